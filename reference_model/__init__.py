"""The DRAEM reference model (Zavrtanik et al., ICCV 2021) trained on synthdefect anomalies.

Modules: :mod:`~reference_model.config` (settings), :mod:`~reference_model.model` (networks),
:mod:`~reference_model.losses`, :mod:`~reference_model.scoring`, :mod:`~reference_model.metrics`,
:mod:`~reference_model.data` (MVTec AD layout and image folders),
:mod:`~reference_model.checkpoint`, :mod:`~reference_model.distributed`,
:mod:`~reference_model.train`, :mod:`~reference_model.evaluate`, :mod:`~reference_model.predict`.
"""
