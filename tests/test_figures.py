"""`make figures` (autograder/figures.py): a figure is rewritten only when its picture changed, not
when its bytes did (another matplotlib or Pillow, float round-off).
"""
import os
from pathlib import Path

import numpy as np

from autograder.course import SOLUTIONS


def draw(path, shift=0.0, software="Matplotlib", scale=1.0):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    y = np.cumsum(np.random.default_rng(0).normal(size=2000)) * scale
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.plot(y + shift)
    ax.set_title("loss")
    fig.savefig(path, dpi=110, metadata={"Software": software})
    plt.close(fig)
    return path


def test_same_picture_ignores_bytes_and_rendering_noise(tmp_path):
    from autograder.figures import same_picture

    first = draw(tmp_path / "a.png")
    resaved = draw(tmp_path / "b.png", software="another matplotlib")
    assert first.read_bytes() != resaved.read_bytes()
    assert same_picture(first, resaved)
    assert same_picture(first, draw(tmp_path / "noise.png", scale=1 + 1e-7))       # float round-off
    assert not same_picture(first, draw(tmp_path / "moved.png", shift=3.0))       # a visible change
    assert not same_picture(first, draw(tmp_path / "drift.png", scale=1 + 1e-2))


def test_same_picture_on_a_committed_figure_re_encoded(tmp_path):
    from PIL import Image

    from autograder.figures import same_picture

    committed = sorted((SOLUTIONS / "figures").glob("*.png"))[0]
    with Image.open(committed) as image:
        image.save(tmp_path / "reencoded.png", compress_level=1)
    assert (tmp_path / "reencoded.png").read_bytes() != committed.read_bytes()
    assert same_picture(committed, tmp_path / "reencoded.png")
    with Image.open(committed) as image:
        image.convert("RGB").resize((image.width // 2, image.height // 2)).save(tmp_path / "smaller.png")
    assert not same_picture(committed, tmp_path / "smaller.png")


def test_make_figures_writes_only_changed_pictures(tmp_path, monkeypatch):
    from autograder import figures as figures_module

    committed = tmp_path / "committed"
    committed.mkdir()
    draw(committed / "same.png")
    draw(committed / "moved.png")
    for path in committed.iterdir():
        os.utime(path, ns=(1_000_000_000, 1_000_000_000))   # long ago: a rewrite would show
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in committed.iterdir()}

    def fake_run(stem, workdir, timeout=300):
        figures = Path(workdir) / "figures"
        figures.mkdir(exist_ok=True)
        draw(figures / "same.png", software="a newer matplotlib")
        draw(figures / "moved.png", shift=3.0)
        draw(figures / "new.png")
        return None, {}

    monkeypatch.setattr(figures_module, "execute_solution", fake_run)
    report = figures_module.regenerate_figures(stems=["fake"], figures=committed)
    assert report == {"moved.png": "changed", "new.png": "new", "same.png": "unchanged"}
    assert (committed / "same.png").read_bytes() == before["same.png"][0]
    assert (committed / "same.png").stat().st_mtime_ns == before["same.png"][1]
    assert (committed / "moved.png").read_bytes() != before["moved.png"][0]
    assert (committed / "new.png").exists()
