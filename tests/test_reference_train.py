"""The training loop on a small in-memory defect dataset: schedule, exact resume, DDP."""

from __future__ import annotations

import copy
import json
import os
import socket
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import Dataset, default_collate

from reference_model.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from reference_model.config import ModelConfig, TrainConfig
from reference_model.losses import draem_loss
from reference_model.model import DraemModel
from reference_model.train import LOG_NAME, run_batches, steps_per_epoch, train
from synthdefect.dataset import SyntheticAnomalyDataset, parse_key
from synthdefect.files.codec import write_image
from synthdefect.recipes import SyntheticAnomaly
from synthdefect.sampler import EpochSampler
from synthdefect.seeding import sample_rng

#: The batch path reproduces OpenCV 5's warpAffine rounding; OpenCV 4 (the imgaug extra pins
#: opencv < 4.12, built for NumPy 1.x) rotates a few pixels a grey level apart, which the texture
#: ops after a rotation (posterize, solarize, equalize) can widen to several levels.
HOST_ROTATION_IS_OPENCV_5 = int(cv2.__version__.split(".")[0]) >= 5

SIZE = 32
TINY = ModelConfig(recon_width=4, disc_width=4, size=SIZE)


class ToyDefects(Dataset):
    """Gradient images with a random rectangle of flat colour (half of the samples).

    Yields the same dict as ``SyntheticAnomalyDataset``, float or (``uint8=True``) uint8 images;
    sample ``i`` of epoch ``e`` (key ``(e, i)``) depends only on ``(e, i)``.
    """

    def __init__(self, length: int = 6, uint8: bool = False) -> None:
        self.length = length
        self.uint8 = uint8

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, key: tuple[int, int]) -> dict:
        epoch, i = parse_key(key, self.length)
        rng = sample_rng(7, epoch * self.length + i)
        yy, xx = np.mgrid[0:SIZE, 0:SIZE] / SIZE
        clean = np.stack([yy, xx, np.full_like(xx, 0.5)]).astype(np.float32)
        augmented = clean.copy()
        mask = np.zeros((1, SIZE, SIZE), dtype=np.float32)
        if rng.random() < 0.5:
            y, x = rng.integers(0, SIZE - 10, size=2)
            h, w = rng.integers(3, 10, size=2)
            mask[0, y : y + h, x : x + w] = 1.0
            augmented[:, y : y + h, x : x + w] = rng.random((3, 1, 1))
        images = torch.from_numpy(augmented), torch.from_numpy(clean)
        if self.uint8:
            images = tuple((image * 255).round().to(torch.uint8) for image in images)
        return {
            "index": epoch * self.length + i,
            "image": images[0],
            "normal": images[1],
            "mask": torch.from_numpy(mask),
            "label": torch.tensor(int(mask.any())),
            "params": "{}",
            "source": "toy",
        }


def _config(**changes) -> TrainConfig:
    return TrainConfig(**{"model": TINY, "steps": 8, "batch": 2, "save_every": 100, **changes})


def test_straight_run_equals_interrupted_and_resumed_run(tmp_path):
    config = _config()
    straight = train(config, ToyDefects(), tmp_path / "a", progress=False)
    first = train(config, ToyDefects(), tmp_path / "b", stop_at=4, progress=False)
    assert first.step == 4 and load_checkpoint(first.checkpoint)["step"] == 4
    resumed = train(config, ToyDefects(), tmp_path / "b", resume=True, progress=False)
    assert resumed.step == 8
    assert [r["step"] for r in resumed.losses] == [5, 6, 7, 8]
    assert resumed.losses == straight.losses[4:]
    for name, value in straight.model.state_dict().items():
        assert torch.equal(value, resumed.model.state_dict()[name]), name
    saved = load_checkpoint(resumed.checkpoint)
    assert saved["step"] == 8 and TrainConfig.from_dict(saved["config"]) == config
    log = [json.loads(line) for line in (tmp_path / "b" / LOG_NAME).read_text().splitlines()]
    assert [r["step"] for r in log] == list(range(1, 9))


def test_losses_are_logged_every_step_whatever_log_every(tmp_path):
    every = train(_config(), ToyDefects(), tmp_path / "a", progress=False, log_every=1)
    batched = train(_config(), ToyDefects(), tmp_path / "b", progress=False, log_every=3)
    assert batched.losses == every.losses and len(every.losses) == 8
    lines = (tmp_path / "b" / LOG_NAME).read_text().splitlines()
    assert [json.loads(line) for line in lines] == every.losses


class _Float(ToyDefects):
    """The uint8 samples divided by 255 on the host."""

    def __getitem__(self, key: tuple[int, int]) -> dict:
        item = super().__getitem__(key)
        return {**item, "image": item["image"] / 255.0, "normal": item["normal"] / 255.0}


def test_timings_mark_every_read_of_the_losses(tmp_path):
    result = train(_config(), ToyDefects(), tmp_path, progress=False, log_every=2)
    assert [step for step, _ in result.timings] == [0, 2, 4, 6, 8]
    seconds = [t for _, t in result.timings]
    assert seconds[0] == 0.0 and seconds == sorted(seconds)
    average, steady = result.throughput()
    assert average == pytest.approx(8 / seconds[-1])
    assert steady == pytest.approx((8 - 4) / (seconds[-1] - seconds[2]))  # from step 4 >= 0 + 3


def test_uint8_images_are_scaled_on_the_device(tmp_path):
    as_bytes = train(_config(steps=3), ToyDefects(uint8=True), tmp_path / "a", progress=False)
    as_float = train(_config(steps=3), _Float(uint8=True), tmp_path / "b", progress=False)
    assert as_bytes.losses == as_float.losses


def test_a_last_batch_of_one_sample_is_dropped(tmp_path):
    # 7 samples, batch 2: three batches per epoch; the 1-sample remainder would break BatchNorm
    # at the 1x1 bottleneck of a 32 px model.
    result = train(_config(steps=7), ToyDefects(7), tmp_path, progress=False)
    assert [r["epoch"] for r in result.losses] == [0, 0, 0, 1, 1, 1, 2]
    assert steps_per_epoch(7, 2) == 3 and steps_per_epoch(8, 3) == 3 and steps_per_epoch(3, 2) == 1
    with pytest.raises(ValueError, match="at least 2"):
        train(_config(), ToyDefects(1), tmp_path / "one", progress=False)


def test_run_batches_cover_each_epoch_once_and_resume_mid_epoch():
    sampler = EpochSampler(7, seed=4)
    batches = run_batches(sampler, 2, start_step=0)
    first = [next(batches) for _ in range(6)]
    for epoch, chunk in ((0, first[:3]), (1, first[3:])):
        keys = [key for batch in chunk for key in batch]
        assert {e for e, _ in keys} == {epoch} and len(set(keys)) == 6
    resumed = run_batches(sampler, 2, start_step=4)
    assert [next(resumed) for _ in range(2)] == first[4:6]


def test_sspcab_run_logs_its_loss(tmp_path):
    model = ModelConfig(recon_width=4, disc_width=4, size=SIZE, sspcab=True)
    result = train(_config(model=model, steps=2), ToyDefects(), tmp_path, progress=False)
    assert all(r["sspcab"] > 0 for r in result.losses)
    assert "sspcab" not in train(_config(steps=1), ToyDefects(), tmp_path / "plain").losses[0]


def test_time_limit_stops_with_a_checkpoint(tmp_path):
    result = train(_config(), ToyDefects(), tmp_path, time_limit=0.0, progress=False)
    assert result.step == 1
    assert load_checkpoint(result.checkpoint)["step"] == 1


def test_learning_rate_follows_the_preset_schedule(tmp_path):
    result = train(_config(preset="draem-code"), ToyDefects(), tmp_path, progress=False)
    lrs = [r["lr"] for r in result.losses]
    # 8 steps: x0.2 after step round(0.8 * 8) = 6 and again after step round(0.9 * 8) = 7.
    assert lrs[:6] == pytest.approx([1e-4] * 6)
    assert lrs[6] == pytest.approx(2e-5)
    assert lrs[7] == pytest.approx(4e-6)
    assert [r["epoch"] for r in result.losses] == [0, 0, 0, 1, 1, 1, 2, 2]


def test_resume_refuses_another_configuration(tmp_path):
    train(_config(steps=2), ToyDefects(), tmp_path, progress=False)
    other = _config(steps=2, model=ModelConfig(recon_width=8, disc_width=4, size=SIZE))
    with pytest.raises(CheckpointError, match="recon_width"):
        train(other, ToyDefects(), tmp_path, resume=True, progress=False)
    with pytest.raises(CheckpointError, match="nothing to resume"):
        train(_config(), ToyDefects(), tmp_path / "fresh", resume=True, progress=False)


def test_empty_dataset_is_refused(tmp_path):
    with pytest.raises(ValueError, match="empty"):
        train(_config(), ToyDefects(length=0), tmp_path, progress=False)


def test_resume_refuses_other_data(tmp_path):
    train(_config(steps=2, data="first"), ToyDefects(), tmp_path, progress=False)
    with pytest.raises(CheckpointError, match="other data"):
        train(_config(data="second"), ToyDefects(), tmp_path, resume=True, progress=False)


class _Recorded(SyntheticAnomalyDataset):
    """A device-synthesis dataset that keeps every batch it made."""

    made: list[dict]

    def synthesize(self, batch, device=None):
        out = super().synthesize(batch, device)
        self.made = [*getattr(self, "made", []), out]
        return out


def _normal_folder(root: Path, count: int = 6) -> Path:
    rng = np.random.default_rng(2)
    root.mkdir()
    for i in range(count):
        write_image(root / f"{i}.png", rng.integers(0, 256, (SIZE, SIZE, 3), dtype=np.uint8))
    return root


def _anomalies(folder: Path, cls=SyntheticAnomalyDataset, **kwargs) -> SyntheticAnomalyDataset:
    recipe = SyntheticAnomaly("draem-code", p_anomaly=0.8)
    return cls(folder, transform=recipe, size=(SIZE, SIZE), seed=5, image_dtype="uint8", **kwargs)


def test_device_synthesis_trains_on_the_host_runs_samples(tmp_path):
    """``synthesis="device"``: the loop makes each batch with the dataset's batch path, keyed
    as the host items are (within docs/batch.md's tolerance; records equal)."""
    folder = _normal_folder(tmp_path / "normal")
    device = _anomalies(folder, _Recorded, synthesis="device")
    result = train(_config(steps=5, synthesis="device"), device, tmp_path / "run", progress=False)
    assert len(result.losses) == 5 and len(device.made) == 5
    assert TrainConfig.from_dict(load_checkpoint(result.checkpoint)["config"]).synthesis == "device"
    host = _anomalies(folder)
    for batch in device.made:
        keys = [divmod(int(index), len(host)) for index in batch["index"]]
        want = default_collate([host[key] for key in keys])
        assert batch["params"] == want["params"]
        if not HOST_ROTATION_IS_OPENCV_5:
            continue  # the pixels follow OpenCV 5's warpAffine (docs/batch.md)
        ties = batch["mask"] != want["mask"]
        assert int(ties.sum()) <= 1
        gap = (batch["image"].int() - want["image"].int()).abs()
        assert int(gap[~ties.expand_as(gap)].max()) <= 1


def test_the_dataset_must_match_the_synthesis_and_resume_keeps_it(tmp_path):
    folder = _normal_folder(tmp_path / "normal")
    with pytest.raises(ValueError, match="synthesis='device'"):
        train(_config(synthesis="device"), ToyDefects(), tmp_path / "a", progress=False)
    device = _anomalies(folder, synthesis="device")
    with pytest.raises(ValueError, match="synthesis='host'"):
        train(_config(), device, tmp_path / "a", progress=False)
    train(_config(steps=4), _anomalies(folder), tmp_path / "b", stop_at=2, progress=False)
    with pytest.raises(CheckpointError, match="synthesis='host' \\(this run: 'device'\\)"):
        train(_config(steps=4, synthesis="device"), device, tmp_path / "b", resume=True,
              progress=False)  # fmt: skip
    checkpoint = tmp_path / "b" / "checkpoint.pt"  # one written before synthesis was recorded
    state = load_checkpoint(checkpoint)
    del state["config"]["synthesis"]
    save_checkpoint(checkpoint, state)
    resumed = train(_config(steps=4), _anomalies(folder), tmp_path / "b", resume=True,
                    progress=False)  # fmt: skip
    assert resumed.step == 4


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ddp_worker(rank: int, world: int, port: int, out_dir: Path) -> None:
    os.environ.update(
        MASTER_ADDR="127.0.0.1",
        MASTER_PORT=str(port),
        RANK=str(rank),
        LOCAL_RANK=str(rank),
        WORLD_SIZE=str(world),
    )
    torch.set_num_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=world)
    result = train(_config(steps=4, device="cpu"), ToyDefects(8), out_dir, progress=False)

    # One DDP backward pass against the mean of the two processes' own gradients.
    torch.manual_seed(0)
    model = DraemModel(TINY)
    local = copy.deepcopy(model)
    batch = default_collate([ToyDefects(8)[0, 2 * rank + k] for k in range(2)])

    def loss(net: torch.nn.Module) -> torch.Tensor:
        output = net(batch["image"])
        return draem_loss(
            output.reconstruction, batch["normal"], output.logits, batch["mask"]
        ).total

    wrapped = DistributedDataParallel(model)  # kept alive: its reducer averages in backward
    loss(wrapped).backward()
    loss(local).backward()
    max_error = 0.0
    for averaged, own in zip(model.parameters(), local.parameters(), strict=True):
        expected = own.grad.clone()
        dist.all_reduce(expected)
        max_error = max(max_error, (averaged.grad - expected / world).abs().max().item())
    torch.save(
        {"state": result.model.state_dict(), "losses": result.losses, "grad_error": max_error},
        out_dir / f"rank{rank}.pt",
    )
    dist.destroy_process_group()


def test_ddp_two_processes_average_gradients(tmp_path):
    mp.spawn(_ddp_worker, args=(2, _free_port(), tmp_path), nprocs=2, join=True)
    ranks = [torch.load(tmp_path / f"rank{r}.pt", weights_only=True) for r in range(2)]
    # The ranks saw different shards (different losses) yet end with identical weights.
    assert ranks[0]["losses"] != ranks[1]["losses"]
    for name, value in ranks[0]["state"].items():
        if name.endswith(("running_mean", "running_var")):
            continue  # BatchNorm statistics stay per process, as in plain DDP
        assert torch.equal(value, ranks[1]["state"][name]), name
    assert max(r["grad_error"] for r in ranks) < 1e-6
    # Only rank 0 wrote the checkpoint and the log.
    assert load_checkpoint(tmp_path / "checkpoint.pt")["step"] == 4
    assert len((tmp_path / LOG_NAME).read_text().splitlines()) == 4
