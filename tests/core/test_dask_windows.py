"""apply_classifier on a Dask LocalCluster of 2 worker processes (core.predicting.dask_windows): the
same map as in this process, resumable window by window, clear refusals."""

from __future__ import annotations

import sys

import numpy as np
import pytest
import rasterio
from metamapper.core.apply import apply_classifier
from metamapper.core.errors import Cancelled, DependencyError, InputError
from metamapper.core.pipeline import MapOptions, map_region
from metamapper.core.predicting.dask_windows import part_windows
from rasterio.windows import Window

from tests.factories import box_polygon, features_from_truth, make_raster
from tests.model_factory import make_model_file

pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A 6-band scene, its classifier file and the in-process applied map (+ confidence)."""
    d = tmp_path_factory.mktemp("dask")
    model = str(make_model_file(d, episodes=30))
    sc = make_raster(d / "r.tif", width=150, height=110, bands=6, n_classes=3)
    feats = features_from_truth(sc, per_class=4)
    map_region(sc["path"], feats, str(d / "map.tif"), model_path=model,
               options=MapOptions(device="cpu", transductive=False),
               classifier_path=str(d / "clf.pt"))
    apply_classifier(sc["path"], str(d / "clf.pt"), str(d / "here.tif"),
                     confidence_path=str(d / "here_conf.tif"), device="cpu", tile_size=32)
    return {"dir": d, "scene": sc, "clf": str(d / "clf.pt")}


def read(path):
    with rasterio.open(path) as ds:
        return ds.read(1)


def test_windows_are_whole_tiles_from_the_region_origin():
    windows = part_windows(Window(10, 20, 150, 70), 32, 64)
    assert windows[0] == (10, 20, 64, 64) and windows[2] == (138, 20, 22, 64)
    assert sum(w * h for _, _, w, h in windows) == 150 * 70
    assert all((c - 10) % 64 == 0 and (r - 20) % 64 == 0 for c, r, _, _ in windows)


def test_local_cluster_map_equals_the_in_process_map(saved, tmp_path):
    d = saved["dir"]
    out = apply_classifier(saved["scene"]["path"], saved["clf"], str(tmp_path / "dask.tif"),
                           confidence_path=str(tmp_path / "dask_conf.tif"),
                           scheduler="local:2", tile_size=32, window_side=64)
    assert np.array_equal(read(tmp_path / "dask.tif"), read(d / "here.tif"))
    assert np.array_equal(read(tmp_path / "dask_conf.tif"), read(d / "here_conf.tif"))
    assert out.windows_computed == 6 and out.windows_skipped == 0  # 3 x 2 windows
    assert out.region_pixels == 150 * 110 and out.scheduler == "local:2"
    assert sum(out.predicted_pixels_per_class.values()) == 150 * 110
    assert not (tmp_path / "dask.tif.parts").exists()  # the run folder is removed
    with rasterio.open(tmp_path / "dask.tif") as ds:
        assert ds.tags()["METAMAPPER_CLASSIFIER"] == "clf.pt"
    assert (tmp_path / "dask.qml").is_file()


def test_a_run_killed_half_way_resumes_with_only_the_missing_windows(saved, tmp_path):
    """Half the windows were written when the run died: the rerun redoes only the rest."""
    from metamapper.core.apply import cluster_plan
    from metamapper.core.predicting.dask_windows import predict_window, prepare_parts
    from metamapper.core.reading.raster_io import make_region, open_raster_info

    sc, out = saved["scene"], tmp_path / "k.tif"
    info = open_raster_info(sc["path"])
    folder, key, run, windows = cluster_plan(info, saved["clf"], out, make_region(info, None),
                                             32, 32, False)
    assert len(windows) == 20  # 5 x 4
    prepare_parts(folder, key)
    for window in windows[::2]:  # what the killed run finished
        assert predict_window(run, window)["skipped"] is False
    (folder / ".r000000032_c000000032.class.tmp.tif").write_bytes(b"half-written")
    result = apply_classifier(sc["path"], saved["clf"], str(out), scheduler="local:2",
                              tile_size=32, window_side=32)
    assert result.windows_skipped == 10 and result.windows_computed == 10
    assert np.array_equal(read(out), read(saved["dir"] / "here.tif"))
    assert not folder.exists()


def test_a_cancelled_run_keeps_its_windows_and_the_rerun_skips_them(saved, tmp_path):
    reports = []

    def progress(fraction, text):
        if "window" in text:
            reports.append(fraction)

    with pytest.raises(Cancelled):
        apply_classifier(saved["scene"]["path"], saved["clf"], str(tmp_path / "m.tif"),
                         scheduler="local:1", tile_size=32, window_side=32,
                         progress=progress, is_cancelled=lambda: len(reports) >= 1)
    assert not (tmp_path / "m.tif").exists()  # no half-written output
    parts = sorted((tmp_path / "m.tif.parts").glob("r*.tif"))
    assert parts  # at least the windows reported before the cancel
    out = apply_classifier(saved["scene"]["path"], saved["clf"], str(tmp_path / "m.tif"),
                           scheduler="local:2", tile_size=32, window_side=32)
    assert out.windows_skipped == len(parts) and out.windows_computed == 20 - len(parts)
    assert np.array_equal(read(tmp_path / "m.tif"), read(saved["dir"] / "here.tif"))


def test_parts_of_another_run_are_not_reused(saved, tmp_path):
    sc = saved["scene"]
    apply_classifier(sc["path"], saved["clf"], str(tmp_path / "r.tif"), scheduler="local:1",
                     tile_size=32, window_side=64, is_cancelled=lambda: False)
    folder = tmp_path / "r.tif.parts"
    folder.mkdir()
    (folder / "run.json").write_text('{"key": "another run"}')
    (folder / "r000000000_c000000000.tif").write_bytes(b"stale")
    (folder / "r000000000_c000000000.json").write_text('{"pixels": 1, "counts": [1, 0, 0]}')
    region = [box_polygon(sc, 0, 64, 0, 64)]
    out = apply_classifier(sc["path"], saved["clf"], str(tmp_path / "r.tif"), region=region,
                           scheduler="local:1", tile_size=32, window_side=64)
    assert out.windows_skipped == 0 and out.windows_computed == 1
    assert np.array_equal(read(tmp_path / "r.tif"), read(saved["dir"] / "here.tif")[:64, :64])


def test_bad_schedulers_are_refused_with_the_fix(saved, tmp_path, monkeypatch):
    sc = saved["scene"]
    with pytest.raises(InputError, match="local:N"):
        apply_classifier(sc["path"], saved["clf"], str(tmp_path / "x.tif"), scheduler="local:x")
    with pytest.raises(InputError, match="Cannot reach the Dask scheduler"):
        apply_classifier(sc["path"], saved["clf"], str(tmp_path / "x.tif"),
                         scheduler="tcp://127.0.0.1:9")
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(DependencyError, match=r"pip install \"dask\[distributed\]\""):
        apply_classifier(sc["path"], saved["clf"], str(tmp_path / "x.tif"), scheduler="local:2")
    assert not list(tmp_path.glob("x*")) and not list(tmp_path.glob(".x*"))


def test_workers_run_the_versioned_python_of_this_prefix_not_the_path_one(monkeypatch, tmp_path):
    """Inside QGIS sys.executable may be a pyenv shim of another Python (seen under
    qgis_process): the workers must run this Python."""
    from metamapper.core.predicting import dask_windows

    exe = tmp_path / "bin" / "python{}.{}".format(*sys.version_info[:2])
    exe.parent.mkdir()
    exe.write_text("")
    monkeypatch.setattr(sys, "exec_prefix", str(tmp_path))
    monkeypatch.setattr(sys, "executable", "/root/.pyenv/shims/python3")
    assert dask_windows._worker_python() == str(exe)
    exe.unlink()
    assert dask_windows._worker_python() == "/root/.pyenv/shims/python3"


#: a static file server answering HTTP Range requests, as object storage does; it runs in
#: its own process (GDAL holds the GIL while it opens a /vsicurl/ file: a server thread in
#: this process would never answer)
RANGE_SERVER = r"""
import http.server, sys

class Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        try:
            data = open(self.translate_path(self.path), "rb").read()
        except OSError:
            return self.send_error(404)
        start, end = 0, len(data) - 1
        ranged = self.headers.get("Range", "").startswith("bytes=")
        if ranged:
            a, _, b = self.headers["Range"][6:].partition("-")
            start, end = int(a or 0), min(int(b) if b else len(data) - 1, len(data) - 1)
        self.send_response(206 if ranged else 200)
        self.send_header("Content-Length", str(end - start + 1))
        self.send_header("Accept-Ranges", "bytes")
        if ranged:
            self.send_header("Content-Range", f"bytes {start}-{end}/{len(data)}")
        self.end_headers()
        self.wfile.write(data[start:end + 1])

import os
os.chdir(sys.argv[1])
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


def test_workers_read_the_raster_by_url(saved):
    """A raster served over HTTP (/vsicurl/, as a COG on object storage): the workers read
    their windows from the URL and the map is the in-process one."""
    import subprocess

    server = subprocess.Popen([sys.executable, "-c", RANGE_SERVER, str(saved["dir"])],
                              stdout=subprocess.PIPE, text=True)
    try:
        port = int(server.stdout.readline())
        url = f"/vsicurl/http://127.0.0.1:{port}/r.tif"
        out = saved["dir"] / "from_url.tif"
        result = apply_classifier(url, saved["clf"], str(out), scheduler="local:2",
                                  tile_size=32, window_side=64)
        assert result.windows_computed == 6
        assert np.array_equal(read(out), read(saved["dir"] / "here.tif"))
    finally:
        server.kill()
        server.wait()
