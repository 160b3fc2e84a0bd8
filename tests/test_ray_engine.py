"""The Ray engine gives the local engine's output, on a local Ray instance."""

from __future__ import annotations

import os

import pytest

from test_scan import NEWS, write_collection
from unspin.scan import ScanOptions, scan

ray = pytest.importorskip("ray", reason="the Ray engine needs the ray extra: pip install '.[ray]'")
pytestmark = pytest.mark.skipif(not NEWS, reason="needs ../shared/data/news_wikinews_tosca")


@pytest.fixture(scope="module")
def local_ray():
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    ray.init(num_cpus=2, object_store_memory=100 * 1024 * 1024, include_dashboard=False,
             log_to_driver=False, configure_logging=False)
    yield
    ray.shutdown()


def test_ray_output_is_identical_to_the_local_engine(local_ray, tmp_path):
    src = tmp_path / "docs.jsonl"
    write_collection(src, 8)
    local = scan([src], tmp_path / "local.jsonl", ScanOptions(shard_size=3))
    remote = scan([src], tmp_path / "ray.jsonl", ScanOptions(shard_size=3), workers=2, engine="ray")
    assert (tmp_path / "ray.jsonl").read_bytes() == (tmp_path / "local.jsonl").read_bytes()
    assert (remote.documents, remote.flagged, remote.errors) == (local.documents, local.flagged, local.errors)


def test_an_actor_whose_engine_cannot_load_sends_its_error_to_the_caller(monkeypatch):
    import unspin.pipeline
    from unspin.errors import CacheError
    from unspin.integrations.ray_engine import _results, _ShardAnalyser

    def unusable(*args):
        raise CacheError("unspin cannot write its cache in /x: set UNSPIN_CACHE_DIR")

    monkeypatch.setattr(unspin.pipeline, "default_engine", unusable)
    actor = _ShardAnalyser({})
    out = actor({"shard": ["[]", "[]"]})
    assert len(out["results"]) == 2
    with pytest.raises(CacheError, match="UNSPIN_CACHE_DIR"):
        _results({"results": out["results"][0]})
    assert _results({"results": "[]"}) == []
