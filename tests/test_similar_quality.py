""""Tracks like this" on the generator corpus: mostly the same style; MMR trades likeness for diversity."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from heihachi_index.config import load_config
from heihachi_index.index import TrackIndex
from heihachi_index.pipeline import ingest
from heihachi_index.search import similar
from heihachi_index.synth import iter_corpus, read_manifest, write_corpus

STYLES = ("neurofunk", "liquid", "techno", "ambient", "hiphop")
PER_STYLE = 5


@pytest.fixture(scope="module")
def indexed(tmp_path_factory):
    root = tmp_path_factory.mktemp("quality")
    write_corpus(root / "corpus", iter_corpus(PER_STYLE * len(STYLES), 10.0, seed=3, styles=STYLES), fmt="flac")
    style_of = {path.name: truth.style for path, truth in read_manifest(root / "corpus")}
    cfg = load_config(None, environ={}, data_dir=str(root / "data"))
    report = ingest([root / "corpus"], cfg, workers=2)
    assert len(report.ingested) == PER_STYLE * len(STYLES)
    index = TrackIndex.open(cfg, read_only=True)
    yield index, {r.track_id: style_of[Path(r.payload["path"]).name]
                  for r in index.store.iter_points(with_payload=["path"])}
    index.close()


def test_neighbours_are_mostly_of_the_same_style(indexed):
    index, style = indexed
    k = PER_STYLE - 1
    precision = {s: [] for s in STYLES}
    for track_id, s in style.items():
        hits = similar(index, track_id, k=k)
        precision[s].append(np.mean([style[h.track_id] == s for h in hits]))
    per_style = {s: float(np.mean(v)) for s, v in precision.items()}
    assert np.mean(list(per_style.values())) >= 0.7, per_style
    assert min(per_style.values()) >= 0.4, per_style


def test_mmr_lambda_one_is_plain_ranking_and_lower_lambda_diversifies(indexed):
    index, style = indexed
    more_diverse = 0
    for track_id in style:
        plain = similar(index, track_id, k=5)
        assert [h.track_id for h in similar(index, track_id, k=5, mmr=1.0)] == [h.track_id for h in plain]
        diverse = similar(index, track_id, k=5, mmr=0.3)

        def spread(hits) -> float:
            v = np.stack([index.vector(h.track_id) for h in hits]).astype(np.float64)
            v /= np.linalg.norm(v, axis=1, keepdims=True)
            sim = v @ v.T
            return float(1 - sim[np.triu_indices(len(hits), 1)].mean())

        more_diverse += spread(diverse) >= spread(plain) - 1e-9
        # Diversity is bought with likeness to the query, never the other way round.
        assert np.mean([h.score for h in diverse]) <= np.mean([h.score for h in plain]) + 1e-9
    assert more_diverse >= 0.9 * len(style)
