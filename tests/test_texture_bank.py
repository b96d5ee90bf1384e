"""The device texture bank: TextureSample.apply_batch gathers banked textures with no host load,
the same bytes as loading them, within the source's byte bound."""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import pytest
import torch

from synthdefect import SyntheticAnomaly
from synthdefect.sample import Sample
from synthdefect.sample_batch import SampleBatch
from synthdefect.textures import ArraySource, ProceduralSource, TextureSource
from synthdefect.textures.bank import texture_bank
from synthdefect.transforms.records import RecordError
from synthdefect.transforms.texture import TextureSample


def _arrays(n: int, seed: int = 0) -> list[np.ndarray]:
    """``n`` RGB textures of varied sizes (so that each is resized to the target)."""
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 256, (20 + 3 * i, 30 - i, 3), dtype=np.uint8) for i in range(n)]


def _count_loads(source: TextureSource) -> list[int]:
    """Wrap ``source.load`` so that each call appends its index to the returned list."""
    calls: list[int] = []
    load = source.load

    def counted(index: int, *args: Any, **kwargs: Any) -> np.ndarray:
        calls.append(index)
        return load(index, *args, **kwargs)

    source.load = counted  # type: ignore[method-assign]
    return calls


def _batch(n: int, channels: int, height: int = 16, width: int = 24) -> SampleBatch:
    image = torch.zeros((n, channels, height, width), dtype=torch.uint8)
    return SampleBatch(image=image, normal=image, mask=torch.zeros((n, height, width)))


def _blank(batch: SampleBatch) -> Sample:
    """A host sample of ``batch``'s image size and channels."""
    channels, height, width = batch.image.shape[1:]
    image = np.zeros((height, width, channels), np.uint8)
    return Sample(image=image, normal=image, mask=np.zeros((height, width), np.float32))


def _records(step: TextureSample, batch: SampleBatch, seed: int = 0) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    return [step.make_params(rng, _blank(batch)) for _ in range(len(batch))]


def _host_textures(step: TextureSample, batch: SampleBatch, records: list[Any]) -> torch.Tensor:
    host = [step.apply(_blank(batch), r).texture for r in records]
    return torch.from_numpy(np.stack(host)).permute(0, 3, 1, 2)


@pytest.mark.parametrize("channels", [1, 3])
def test_second_batch_gathers_from_the_bank_without_loading(channels: int) -> None:
    source = ArraySource(_arrays(5))
    step = TextureSample(source)
    batch = _batch(12, channels)
    records = _records(step, batch)
    calls = _count_loads(source)
    first = step.apply_batch(batch, records).texture
    assert sorted(calls) == sorted(
        {r["params"]["index"] for r in records}
    )  # a repeated texture: once
    assert torch.equal(first, _host_textures(step, batch, records))
    calls.clear()
    second = step.apply_batch(batch, records).texture
    assert calls == []
    assert torch.equal(second, first)
    assert second.data_ptr() != first.data_ptr()  # a batch's texture is its own tensor


def test_a_preset_batch_is_the_same_from_the_bank() -> None:
    source = ArraySource(_arrays(4))
    recipe = SyntheticAnomaly("draem-code", textures=source, p_anomaly=1.0)
    images = torch.from_numpy(np.random.default_rng(1).integers(0, 256, (6, 3, 32, 32), np.uint8))
    calls = _count_loads(source)
    first = recipe.batch(images, seed=3)
    assert calls
    calls.clear()
    again = recipe.batch(images, params=first.params)
    assert calls == []
    assert torch.equal(again.image, first.image)
    assert torch.equal(again.mask, first.mask)


def test_grey_and_rgb_batches_bank_apart() -> None:
    source = ArraySource(_arrays(3))
    step = TextureSample(source)
    grey, rgb = _batch(4, 1), _batch(4, 3)
    records = _records(step, rgb)
    step.apply_batch(rgb, records)
    assert torch.equal(step.apply_batch(grey, records).texture, _host_textures(step, grey, records))
    assert (
        len(texture_bank(source, torch.device("cpu")))
        == len({r["params"]["index"] for r in records}) * 2
    )


def test_the_bank_keeps_to_the_byte_bound_least_recently_used_first() -> None:
    one = 3 * 16 * 24
    source = ArraySource(_arrays(6), cache_bytes=2 * one + 1)
    step = TextureSample(source)
    batch = _batch(1, 3)
    records = [step.record(index=i, name=f"array:{i}", crop=None) for i in (0, 1, 2, 0, 1, 2)]
    want = [_host_textures(step, batch, [record]) for record in records]
    calls = _count_loads(source)
    for record, texture in zip(records, want, strict=True):
        assert torch.equal(step.apply_batch(batch, [record]).texture, texture)
    bank = texture_bank(source, torch.device("cpu"))
    assert bank.nbytes <= source.cache.max_bytes and len(bank) == 2
    assert calls == [0, 1, 2, 0, 1, 2]  # 0, 1, 2 cycling through room for two: every one a miss
    calls.clear()
    step.apply_batch(batch, [records[2]])  # 2 is still banked, 0 is not
    step.apply_batch(batch, [records[0]])
    assert calls == [0]


def test_a_banked_texture_still_checks_the_record_name() -> None:
    source = ArraySource(_arrays(2))
    step = TextureSample(source)
    batch = _batch(1, 3)
    step.apply_batch(batch, [step.record(index=1, name="array:1", crop=None)])
    with pytest.raises(RecordError, match="record names texture 'other'"):
        step.apply_batch(batch, [step.record(index=1, name="other", crop=None)])


@pytest.mark.parametrize(
    "step",
    [
        TextureSample(ArraySource(_arrays(2)), resize="crop"),
        TextureSample(ArraySource(_arrays(2), cache_bytes=0)),
        TextureSample(ProceduralSource()),
    ],
    ids=["crop", "no-cache", "procedural"],
)
def test_unbanked_textures_load_on_every_batch(step: TextureSample) -> None:
    batch = _batch(3, 3)
    records = _records(step, batch)
    calls = _count_loads(step.source)
    first = step.apply_batch(batch, records).texture
    second = step.apply_batch(batch, records).texture
    assert len(calls) == 2 * len(records)
    assert torch.equal(first, second)
    assert torch.equal(first, _host_textures(step, batch, records))


def test_one_bank_per_source_and_device_and_none_after_pickling() -> None:
    source = ArraySource(_arrays(2))
    cpu = torch.device("cpu")
    assert texture_bank(source, cpu) is texture_bank(source, cpu)
    assert texture_bank(source, cpu) is not texture_bank(ArraySource(_arrays(2)), cpu)
    assert texture_bank(ProceduralSource(), cpu) is None
    step = TextureSample(source)
    batch = _batch(2, 3)
    step.apply_batch(batch, _records(step, batch))
    assert len(texture_bank(source, cpu)) > 0
    copy = pickle.loads(pickle.dumps(source))  # as a DataLoader worker gets it
    assert len(texture_bank(copy, cpu)) == 0


def test_a_batch_off_the_cpu_banks_on_its_own_device() -> None:
    """Run on torch's "meta" device (shapes without data), the path a GPU batch takes: one
    upload of the missing textures, split into the device bank."""
    source = ArraySource(_arrays(3))
    step = TextureSample(source)
    meta = torch.device("meta")
    image = torch.zeros((4, 3, 16, 24), dtype=torch.uint8, device=meta)
    batch = SampleBatch(image=image, normal=image, mask=torch.zeros((4, 16, 24), device=meta))
    records = _records(step, batch)
    calls = _count_loads(source)
    first = step.apply_batch(batch, records).texture
    assert first.device == meta and first.shape == (4, 3, 16, 24) and first.dtype == torch.uint8
    banked = len({r["params"]["index"] for r in records})
    assert len(calls) == banked == len(texture_bank(source, meta))
    calls.clear()
    step.apply_batch(batch, records)
    assert calls == []
    assert len(texture_bank(source, torch.device("cpu"))) == 0
