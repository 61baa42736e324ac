"""Text queries: what a query asks for (:func:`analyze_text`) and the tracks that have it (:func:`search_text`).

A query such as ``"calm liquid around 172 bpm, no vocals"`` becomes

* hard constraints (tempo, key, duration; :mod:`heihachi_index.search.constraints`), applied as filters;
* weights on the 45 concepts of :mod:`heihachi_index.search.text_lexicon` (negative for negated ones,
  scaled by intensity words), read from phrases: exact phrase matches first, then the remaining words
  by sentence-embedding similarity to the concept phrases (all-MiniLM-L6-v2, loaded only when some
  word is not a known phrase).

Tracks are ranked by the weighted concept scores stored in ``payload["concepts"]`` at ingest,
optionally fused with CLAP text-to-audio similarity, and optionally diversified with MMR.
"""
from __future__ import annotations

import logging
import threading
import weakref
from dataclasses import dataclass, field
from typing import Any, Protocol, Sequence

import numpy as np

from heihachi_index.index.catalog import Catalog
from heihachi_index.index.conditions import Filter, combine
from heihachi_index.index.track_index import TrackIndex
from heihachi_index.search.constraints import Constraints, parse_constraints, tempo_distance
from heihachi_index.search.filters import SearchFilters
from heihachi_index.search.hit import Hit
from heihachi_index.search.mmr import DEFAULT_LAMBDA
from heihachi_index.search.text_lexicon import (
    CLAUSE_BREAKS,
    CONCEPT_GROUP,
    CONCEPTS,
    DEFAULT_INTENSITY,
    NEGATING_SUFFIXES,
    STOP_WORDS,
    embedding_phrases,
    modifier_table,
    phrase_table,
    tokenize,
)
from heihachi_index.search.text_model import TextModel, as_text_model

log = logging.getLogger(__name__)

# Cosine similarity (all-MiniLM-L6-v2) from which a word that is not a known phrase is read as the
# concept of its nearest phrase; below it, or when the nearest phrase is a decoy, the word is "not
# understood". Chosen on paraphrases (relaxing vibes 0.88, growly 0.85, percussion heavy 0.88,
# chilled vibes 0.77) against unrelated words (guitar 0.61, yesterday 0.63, banana 0.43).
EMBED_THRESHOLD = 0.65
# Longest n-gram of unknown words matched by embedding.
EMBED_MAX_WORDS = 3
# Weight of CLAP text-to-audio similarity against the concept score, both z-scored over the candidates:
# fused = concept + CLAP_WEIGHT * std(concept) * z(clap). Concept scores are calibrated on this
# vocabulary; CLAP's cosines are small and coarse on electronic subgenres, so it gets half the say.
CLAP_WEIGHT = 0.5
# Upper bounds used for open tempo / duration constraints ("over 170", "longer than 5 min").
TEMPO_CEILING = 1000.0
DURATION_CEILING = 7 * 24 * 3600.0
# How much a concept counts in the ranking, times its query weight: genre words are the head of a
# query ("dark techno" is techno first, then dark) and a specific genre outranks its umbrella
# ("liquid drum and bass" is liquid first). On the generator benchmark (benchmarks/eval_text.py,
# 6 tracks per style x 20 s, one run each) precision@5 went from 0.773 with equal weights to 0.813.
STYLE_EMPHASIS = 2.0
UMBRELLA_EMPHASIS = 1.5
UMBRELLA_STYLES = frozenset({"drum_and_bass", "breakbeat", "halftime"})
CLAP_FAMILY = "clap"
MMR_FAMILY = "handcrafted"


class ClapTextEncoder(Protocol):
    """What :func:`search_text` needs from a CLAP model."""

    def encode_text(self, texts: list[str]) -> np.ndarray:
        """L2-normalised text embeddings, shape ``(len(texts), 512)``."""


_EMPHASIS = np.array([(UMBRELLA_EMPHASIS if c in UMBRELLA_STYLES else STYLE_EMPHASIS)
                      if CONCEPT_GROUP[c] == "style" else 1.0 for c in CONCEPTS])


# ------------------------------------------------------------------ analysis
@dataclass(frozen=True)
class ConceptWeight:
    """One concept a query asks for.

    Attributes
    ----------
    name : str
        Concept name (see :data:`~heihachi_index.search.text_lexicon.CONCEPTS`).
    weight : float
        In [-1, 1]: negative asks for its absence; the size is the intensity ("very" 1.0, plain 0.7,
        "a bit" 0.3) times the phrase's strength times ``similarity``.
    phrase : str
        The words of the query it was read from.
    similarity : float
        1.0 for a known phrase, else the cosine similarity of the embedding match.
    matched : str
        The lexicon phrase it matched (``phrase`` itself for an exact match).
    """

    name: str
    weight: float
    phrase: str
    similarity: float = 1.0
    matched: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "weight": round(self.weight, 4), "phrase": self.phrase,
                "similarity": round(self.similarity, 4), "matched": self.matched or self.phrase}


@dataclass(frozen=True)
class TextAnalysis:
    """What a text query asks for.

    Attributes
    ----------
    query : str
        The query as given.
    concepts : list of ConceptWeight
        Concepts in order of appearance, one entry per concept.
    constraints : Constraints
        Tempo, key and duration constraints.
    unparsed : list of str
        Words and phrases that were not understood (stop words are not listed).
    clap_text : str
        The query without its constraint words (what a CLAP text encoder is given).
    """

    query: str
    concepts: list[ConceptWeight]
    constraints: Constraints = field(default_factory=Constraints)
    unparsed: list[str] = field(default_factory=list)
    clap_text: str = ""

    @property
    def understood(self) -> bool:
        """Whether the query has a concept or a constraint."""
        return bool(self.concepts) or not self.constraints.empty

    def weights(self) -> dict[str, float]:
        """Concept -> weight."""
        return {c.name: c.weight for c in self.concepts}

    def weight_vector(self) -> np.ndarray:
        """Weights over :data:`CONCEPTS` (zeros for concepts not asked for)."""
        w = np.zeros(len(CONCEPTS))
        for c in self.concepts:
            w[CONCEPTS.index(c.name)] = c.weight
        return w

    def ranking_weights(self) -> np.ndarray:
        """:meth:`weight_vector` with genres emphasised (see :data:`STYLE_EMPHASIS`): what ranking uses."""
        return self.weight_vector() * _EMPHASIS

    def filters(self) -> SearchFilters:
        """The constraints as search filters (open bounds become 0 or a ceiling)."""
        cons = self.constraints
        tempo = duration = None
        half_double = True
        if cons.tempo is not None:
            t = cons.tempo
            tempo = (t.low if t.low is not None else 0.0, t.high if t.high is not None else TEMPO_CEILING)
            half_double = t.half_double_time
        if cons.duration is not None:
            d = cons.duration
            duration = (d.low if d.low is not None else 0.0, d.high if d.high is not None else DURATION_CEILING)
        keys = cons.camelot_keys()
        return SearchFilters(tempo=tempo, half_double_time=half_double, key=cons.compatible_key,
                             keys=keys or None, duration=duration)

    def to_dict(self) -> dict[str, Any]:
        return {"query": self.query, "concepts": [c.to_dict() for c in self.concepts],
                "constraints": self.constraints.to_dict(), "unparsed": list(self.unparsed),
                "clap_text": self.clap_text}


@dataclass
class _Item:
    """A piece of the query: a concept phrase, a modifier, a stop word, a clause break or an unknown word."""

    kind: str  # concept | neg | int | or | break | stop | free | word
    start: int
    end: int
    text: str
    weights: dict[str, float] = field(default_factory=dict)
    value: float = 1.0  # modifier strength, or the similarity of a concept
    matched: str = ""  # the lexicon phrase an embedding match landed on


def _lex(tokens: list[str]) -> list[_Item]:
    """Split tokens into items by longest exact match against phrases and modifiers."""
    phrases = phrase_table()
    intens, negs = modifier_table()
    longest = max(len(k) for k in (*phrases, *intens, *negs))
    items: list[_Item] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        found: _Item | None = None
        for n in range(min(longest, len(tokens) - i), 0, -1):
            key = tuple(tokens[i:i + n])
            text = " ".join(key)
            if key in phrases:
                found = _Item("concept", i, i + n, text, dict(phrases[key]))
            elif key in negs:
                found = _Item("neg", i, i + n, text, value=negs[key])
            elif key in intens:
                found = _Item("int", i, i + n, text, value=intens[key])
            if found is not None:
                break
        if found is None:
            stem = tok[:-4] if tok.endswith("less") and len(tok) > 6 else ""
            if stem and (stem,) in phrases:  # "vocalless", "bassless": the concept's absence
                found = _Item("concept", i, i + 1, tok, {c: -w for c, w in phrases[(stem,)].items()})
            elif tok in ("or", "nor"):
                found = _Item("or", i, i + 1, tok)
            elif tok in CLAUSE_BREAKS:
                found = _Item("break", i, i + 1, tok)
            elif tok in NEGATING_SUFFIXES:
                found = _Item("free", i, i + 1, tok)
            elif tok in STOP_WORDS or (len(tok) == 1 and not tok.isdigit()):  # "rave-y": the "y" says nothing
                found = _Item("stop", i, i + 1, tok)
            else:
                found = _Item("word", i, i + 1, tok)
        items.append(found)
        i = found.end
    return items


def _embed_unknown(items: list[_Item], model: Any) -> list[_Item]:
    """Read runs of unknown words as concepts by embedding similarity to the concept phrases."""
    runs: list[list[int]] = []
    for idx, it in enumerate(items):
        if it.kind == "word" and not it.text.isdigit():
            if runs and runs[-1][-1] == idx - 1:
                runs[-1].append(idx)
            else:
                runs.append([idx])
    if not runs:
        return items
    grams: list[tuple[int, int]] = []  # (first item, last item) of each n-gram
    for run in runs:
        for n in range(1, min(EMBED_MAX_WORDS, len(run)) + 1):
            grams += [(run[j], run[j + n - 1]) for j in range(len(run) - n + 1)]
    texts = [" ".join(items[k].text for k in range(a, b + 1)) for a, b in grams]
    tm: TextModel = as_text_model(model)
    phrase_texts, targets = embedding_phrases()
    sims = tm.encode(texts) @ tm.phrase_embeddings(phrase_texts).T
    best = sims.argmax(axis=1)
    best_sim = sims[np.arange(len(grams)), best]
    covered: set[int] = set()
    out = list(items)
    # Most similar first, longer n-grams first on ties; an accepted n-gram covers its words.
    for g in sorted(range(len(grams)), key=lambda g: (-best_sim[g], -(grams[g][1] - grams[g][0]))):
        a, b = grams[g]
        if best_sim[g] < EMBED_THRESHOLD:
            break
        if covered.intersection(range(a, b + 1)):
            continue
        covered.update(range(a, b + 1))
        if not targets[best[g]]:
            continue  # nearest to a decoy: its words stay "not understood"
        out[a] = _Item("concept", items[a].start, items[b].end, texts[g], dict(targets[best[g]]),
                       value=float(best_sim[g]), matched=phrase_texts[best[g]])
        for k in range(a + 1, b + 1):
            out[k] = _Item("stop", items[k].start, items[k].end, items[k].text)  # absorbed by the n-gram
    return out


def _apply_scopes(items: list[_Item]) -> tuple[list[ConceptWeight], list[str]]:
    """Turn items into concept weights (negation and intensity scopes) and collect unknown words."""
    concepts: list[ConceptWeight] = []
    unparsed: list[str] = []
    neg: float | None = None  # strength of the active negation
    neg_used = False  # the negation has been applied; only "or"/"nor" carry it on
    intensity: float | None = None
    last_concepts: list[int] = []  # indices into ``concepts`` of the previous concept item
    prev_kind = ""
    last_end = -1
    for it in items:
        if it.kind == "break":
            neg, neg_used, intensity = None, False, None
        elif it.kind == "or":
            if neg is not None:
                neg_used = False
        elif it.kind == "neg":
            neg, neg_used = it.value, False
        elif it.kind == "int":
            intensity = it.value if intensity is None else max(intensity, it.value)
        elif it.kind == "free" and prev_kind == "concept":
            for j in last_concepts:  # "vocal-free": negate the concept just read
                c = concepts[j]
                concepts[j] = ConceptWeight(c.name, -abs(c.weight), f"{c.phrase} {it.text}", c.similarity,
                                            c.matched)
        elif it.kind == "concept":
            if neg is not None and neg_used:
                neg, neg_used = None, False
            sign = -neg if neg is not None else 1.0
            strength = intensity if intensity is not None else DEFAULT_INTENSITY
            last_concepts = []
            for name, w in it.weights.items():
                weight = float(np.clip(sign * strength * w * it.value, -1.0, 1.0))
                last_concepts.append(len(concepts))
                concepts.append(ConceptWeight(name, weight, it.text, it.value, it.matched or it.text))
            intensity = None
            neg_used = neg is not None
        elif it.kind in ("word", "free"):
            if unparsed and prev_kind in ("word", "free") and it.start == last_end:
                unparsed[-1] += " " + it.text
            else:
                unparsed.append(it.text)
            if neg is not None:
                neg_used = True
            intensity = None
        if it.kind != "stop":
            prev_kind = it.kind
        last_end = it.end
    return _merge(concepts), unparsed


def _merge(concepts: list[ConceptWeight]) -> list[ConceptWeight]:
    """One entry per concept: the strongest mention (the later one on ties), in order of first mention."""
    out: dict[str, ConceptWeight] = {}
    for c in concepts:
        if c.weight == 0.0:
            continue
        old = out.get(c.name)
        if old is None or abs(c.weight) >= abs(old.weight):
            out[c.name] = c
    return list(out.values())


def analyze_text(query: str, *, model: TextModel | str | None = None) -> TextAnalysis:
    """What a text query asks for: concept weights, hard constraints and the words not understood.

    Parameters
    ----------
    query : str
        Free text, e.g. ``"dark aggressive neurofunk with heavy bass"`` or
        ``"calm liquid around 172 bpm, no vocals"``.
    model : TextModel or path, optional
        Sentence-embedding model for words that are not known phrases (default: the bundled
        all-MiniLM-L6-v2, or pass ``cfg.embed.text_model``). Loaded once per process, and only
        when the query has such words.

    Returns
    -------
    TextAnalysis

    Raises
    ------
    ValueError
        If the query is empty, or its constraints contradict each other.
    TextModelError
        If the model is needed and cannot be loaded.
    """
    if not isinstance(query, str):
        raise TypeError(f"query must be a string, got {type(query).__name__}")
    if not query.strip():
        raise ValueError("empty text query: describe the music, e.g. 'dark neurofunk around 174 bpm'")
    constraints, spans = parse_constraints(query)
    pieces, pos = [], 0
    for a, b in spans:  # constraint words become clause breaks
        pieces += [query[pos:a], " | "]
        pos = b
    pieces.append(query[pos:])
    rest = "".join(pieces)
    items = _lex(tokenize(rest))
    if any(it.kind == "word" and not it.text.isdigit() for it in items):
        items = _embed_unknown(items, model)
    concepts, unparsed = _apply_scopes(items)
    clap_text = " ".join(p.strip(" ,;|") for p in rest.split("|") if p.strip(" ,;|"))
    return TextAnalysis(query, concepts, constraints, unparsed, " ".join(clap_text.split()))


# ------------------------------------------------------------ concept table
@dataclass(frozen=True)
class TrackTable:
    """Per catalog slot: stored concept scores ``(n_slots, len(CONCEPTS))`` and tempo ``(n_slots,)``, NaN where unknown."""

    concepts: np.ndarray
    tempo: np.ndarray

    def rows(self, slots: np.ndarray, columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Scores of the concepts ``columns`` and tempi of ``slots`` (NaN for slots newer than the table)."""
        concepts = np.full((len(slots), len(columns)), np.nan, dtype=np.float32)
        tempo = np.full(len(slots), np.nan)
        inside = slots < len(self.tempo)
        if len(columns):
            concepts[inside] = self.concepts[:, columns][slots[inside]]
        tempo[inside] = self.tempo[slots[inside]]
        return concepts, tempo


_TABLES: "weakref.WeakKeyDictionary[Catalog, tuple[int, TrackTable]]" = weakref.WeakKeyDictionary()
_TABLES_LOCK = threading.Lock()


def _concept_row(track_id: str, concepts: Any) -> np.ndarray:
    row = np.full(len(CONCEPTS), np.nan, dtype=np.float32)
    if concepts is None:
        return row
    if not isinstance(concepts, dict):
        raise ValueError(f"track {track_id}: payload 'concepts' must be a mapping, got {type(concepts).__name__}")
    for j, name in enumerate(CONCEPTS):
        v = concepts.get(name)
        if v is None:
            continue
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ValueError(f"track {track_id}: concept {name!r} must be a number, got {v!r}")
        row[j] = v
    return np.clip(row, 0.0, 1.0)  # NaN stays NaN (missing)


def _number(value: Any) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    return float(value) if ok else np.nan


def concept_table(index: TrackIndex) -> TrackTable:
    """Stored concept scores and tempi by catalog slot.

    Read from the payloads once per index state and cached; any write through the index
    (upsert, delete, set_vectors) makes the next call read them again.
    """
    cat = index.catalog()
    with _TABLES_LOCK:
        cached = _TABLES.get(cat)
        if cached is not None and cached[0] == cat.generation:
            return cached[1]
        # Read before the scan, so a write during it leaves the table stale, not wrongly fresh.
        generation = cat.generation
        slots: list[int] = []
        rows: list[np.ndarray] = []
        tempi: list[float] = []
        offset: str | None = None
        while True:
            page, offset = index.scroll(limit=2048, offset=offset, with_payload=["concepts", "tempo"])
            for rec in page:
                slot = cat.slot(rec.track_id)
                if slot is not None:
                    slots.append(slot)
                    rows.append(_concept_row(rec.track_id, rec.payload.get("concepts")))
                    tempi.append(_number(rec.payload.get("tempo")))
            if offset is None:
                break
        concepts = np.full((cat.capacity, len(CONCEPTS)), np.nan, dtype=np.float32)
        tempo = np.full(cat.capacity, np.nan)
        if slots:
            idx = np.array(slots, dtype=np.int64)
            concepts[idx] = np.stack(rows)
            tempo[idx] = tempi
        concepts = np.asfortranarray(concepts)  # queries read a few concept columns
        concepts.setflags(write=False)
        tempo.setflags(write=False)
        table = TrackTable(concepts, tempo)
        _TABLES[cat] = (generation, table)
        log.debug("track table: %d tracks of %d slots", len(slots), cat.capacity)
        return table


# ------------------------------------------------------------------ scoring
def concept_scores(weights: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted concept score of each track and each concept's share of it.

    ``score = sum_i c_i / sum_i |w_i|`` with ``c_i = w_i * s_i`` for a wanted concept and
    ``|w_i| * (1 - s_i)`` for a negated one; unknown scores (NaN) add nothing.

    Parameters
    ----------
    weights : ndarray, shape (n_concepts,)
    scores : ndarray, shape (n_tracks, n_concepts)
        Stored concept scores in [0, 1].

    Returns
    -------
    total : ndarray, shape (n_tracks,)
        In [0, 1].
    parts : ndarray, shape (n_tracks, n_concepts)
        The terms ``c_i / sum |w|``; they sum to ``total``.
    """
    w = np.asarray(weights, dtype=np.float64)
    norm = np.abs(w).sum()
    if norm == 0:
        raise ValueError("concept weights are all zero")
    s = np.asarray(scores, dtype=np.float64)
    parts = np.where(w > 0, w * s, np.abs(w) * (1.0 - s)) / norm
    parts = np.where(np.isnan(parts) | (w == 0), 0.0, parts)
    return parts.sum(axis=1), parts


def tempo_closeness(tempo: np.ndarray, center: float, half_double_time: bool) -> np.ndarray:
    """``1 / (1 + 100 * relative deviation)`` from the tempo centre (1 % off gives 0.5; missing 0)."""
    rel = np.exp2(tempo_distance(tempo, center, half_double_time)) - 1.0
    return np.where(np.isfinite(rel), 1.0 / (1.0 + 100.0 * rel), 0.0)


def _zscore(x: np.ndarray) -> tuple[np.ndarray, float]:
    """z-scores of the finite values (NaN -> 0, the mean) and the standard deviation."""
    finite = np.isfinite(x)
    if not finite.any():
        return np.zeros_like(x), 0.0
    mu, sd = x[finite].mean(), x[finite].std()
    z = np.where(finite, (x - mu) / sd if sd > 0 else 0.0, 0.0)
    return z, float(sd)


def relevance_mmr(relevance: np.ndarray, vectors: np.ndarray, k: int, lambda_: float) -> list[int]:
    """Greedy MMR with given relevances: ``lambda * rel(d) - (1 - lambda) * max_s cos(d, s)``.

    Like :func:`heihachi_index.search.mmr.mmr`, but the relevance is a score (here the text score,
    min-max scaled to [0, 1] over the pool) rather than a cosine to a query vector.
    """
    if not 0.0 <= lambda_ <= 1.0:
        raise ValueError(f"MMR lambda must be in [0, 1], got {lambda_}")
    v = np.asarray(vectors, dtype=np.float64)
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    v = v / np.where(norms > 0, norms, 1.0)
    rel = np.asarray(relevance, dtype=np.float64)
    n = len(rel)
    k = min(int(k), n)
    max_sim = np.zeros(n)
    chosen = np.zeros(n, dtype=bool)
    order: list[int] = []
    for step in range(k):
        score = lambda_ * rel - (1.0 - lambda_) * max_sim if step else rel.copy()
        score[chosen] = -np.inf
        best = int(np.argmax(score))
        order.append(best)
        chosen[best] = True
        sims = (v * v[best]).sum(axis=1)
        max_sim = sims if step == 0 else np.maximum(max_sim, sims)
    return order


def _top(scores: np.ndarray, n: int) -> np.ndarray:
    """Indices of the ``n`` best scores, best first (stable: earlier index first on ties)."""
    if n >= len(scores):
        return np.argsort(-scores, kind="stable")
    part = np.argpartition(-scores, n - 1)[:n]
    cut = scores[part].min()
    part = np.flatnonzero(scores >= cut)  # keep every tie at the cut so the stable sort decides
    return part[np.argsort(-scores[part], kind="stable")][:n]


def _clap_query(index: TrackIndex, clap: ClapTextEncoder, text: str) -> np.ndarray:
    """The CLAP embedding of ``text`` (unit norm), checked against the index's ``clap`` family."""
    spec = index.families()[CLAP_FAMILY]
    if spec.standardize:
        raise ValueError("the 'clap' family is standardised: text-to-audio search needs the CLAP vectors as "
                         "they are (add the family with standardize=False)")
    q = np.asarray(clap.encode_text([text]), dtype=np.float32)
    if q.shape != (1, spec.dim) or not np.all(np.isfinite(q)):
        raise ValueError(f"CLAP encode_text returned shape {q.shape} (or non-finite values), expected (1, {spec.dim})")
    norm = float(np.linalg.norm(q[0]))
    if norm == 0:
        raise ValueError(f"CLAP encode_text returned a zero vector for {text!r}")
    return q[0] / norm


def _cosines(fi: Any, q: np.ndarray, slots: np.ndarray) -> np.ndarray:
    """Cosine of ``q`` to the stored unit vectors at ``slots`` (NaN where a slot has none)."""
    out = np.full(len(slots), np.nan)
    have = np.array([int(s) in fi for s in slots], dtype=bool)
    if have.any():
        out[have] = fi.vectors(slots[have]) @ q
    return out


def _mmr_vectors(index: TrackIndex, slots: np.ndarray) -> np.ndarray:
    """Handcrafted vectors of ``slots`` (zeros for a track without one: it is then never redundant)."""
    fi = index.faiss_index(MMR_FAMILY)
    out = np.zeros((len(slots), fi.dim), dtype=np.float32)
    have = np.array([int(s) in fi for s in slots], dtype=bool)
    if have.any():
        out[have] = fi.vectors(slots[have])
    return out


def _base_scores(analysis: TextAnalysis, table: TrackTable, cand: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Score of each candidate before CLAP, its parts (summing to it) and their names.

    The concept score when the query names concepts; else closeness to the tempo centre; else 1
    (constraints only) or 0 (nothing understood: only CLAP will rank).
    """
    w = analysis.ranking_weights()
    active = np.flatnonzero(w)
    rows, tempo = table.rows(cand, active)
    if len(active):
        base, parts = concept_scores(w[active], rows)
        return base, parts, [CONCEPTS[j] for j in active]
    if analysis.constraints.tempo is not None:
        t = analysis.constraints.tempo
        base = tempo_closeness(tempo, t.center, t.half_double_time)
        return base, base[:, None], ["tempo"]
    base = np.full(len(cand), 1.0 if analysis.understood else 0.0)
    return base, base[:, None], ["constraints"]


def _mmr_lambda(mmr: float | bool | None) -> float | None:
    if mmr is None or mmr is False:
        return None
    lam = DEFAULT_LAMBDA if mmr is True else float(mmr)
    if not 0.0 <= lam <= 1.0:
        raise ValueError(f"mmr lambda must be in [0, 1], got {mmr}")
    return lam


def search_text(index: TrackIndex, query: str | TextAnalysis, k: int = 10, *,
                filters: SearchFilters | Filter | None = None, mmr: float | bool | None = None, pool: int = 100,
                clap: ClapTextEncoder | None = None, explain: bool = True, model: TextModel | str | None = None,
                clap_weight: float = CLAP_WEIGHT) -> list[Hit]:
    """Tracks that match a text query, best first.

    Scoring: the concept score (:func:`concept_scores` of :meth:`TextAnalysis.ranking_weights` on
    the stored ``payload["concepts"]``);
    a query with constraints but no concept ranks by closeness to its tempo centre
    (:func:`tempo_closeness`; constant without a tempo). With ``clap`` and a ``clap`` family in the
    index, the CLAP cosine of the query text to each track is added on the concept score's scale:
    ``score = base + clap_weight * std(base) * z(clap)`` (z-scores over the candidates; a track
    without a CLAP vector gets z = 0), and a query with no concept is ranked by the cosine alone.

    Parameters
    ----------
    index : TrackIndex
    query : str or TextAnalysis
        The text, or its analysis (from :func:`analyze_text`).
    k : int
        Number of hits.
    filters : SearchFilters or Filter, optional
        Applied together with the query's own constraints.
    mmr : float or bool, optional
        MMR lambda (``True`` = 0.7) over the handcrafted vectors of the ``pool`` best tracks.
    pool : int
        Candidates re-ranked by MMR and, with CLAP, taken from each of the concept and CLAP rankings.
    clap : object with ``encode_text``, optional
        CLAP text encoder (L2-normalised 512-d embeddings).
    explain : bool
        Attach each concept's share of the score (and ``"clap"``, ``"tempo"`` or ``"constraints"``);
        the values sum to ``score``.
    model : TextModel or path, optional
        Text model for :func:`analyze_text` when ``query`` is a string.
    clap_weight : float
        Weight of the CLAP part (see above).

    Returns
    -------
    list of Hit

    Raises
    ------
    ValueError
        If the query is empty or understood nothing (no concept, no constraint and no CLAP to fall
        back on), or a parameter is out of range.
    """
    analysis = query if isinstance(query, TextAnalysis) else analyze_text(query, model=model)
    if k <= 0:
        return []
    if pool < 1:
        raise ValueError(f"pool must be at least 1, got {pool}")
    if clap_weight < 0:
        raise ValueError(f"clap_weight must not be negative, got {clap_weight}")
    lam = _mmr_lambda(mmr)
    use_clap = clap is not None and bool(analysis.clap_text) and CLAP_FAMILY in index.families()
    if not analysis.understood and not use_clap:
        raise ValueError(f"nothing understood in the query {analysis.query!r}"
                         + (f" (not understood: {', '.join(analysis.unparsed)})" if analysis.unparsed else "")
                         + ": use words such as dark, rolling, neurofunk, vocals, or a tempo/key")
    user = filters.to_filter() if isinstance(filters, SearchFilters) else filters
    flt = combine(analysis.filters().to_filter(), user)
    q = _clap_query(index, clap, analysis.clap_text) if use_clap else None  # before the lock: may be slow
    n_pool = max(k, pool) if (lam is not None or use_clap) else k

    with index._lock:  # catalog slots, the table and FAISS must not move during one search
        cat = index.catalog()
        mask = cat.mask(flt)
        cand = np.flatnonzero(mask)
        if not len(cand):
            return []
        base, parts, names = _base_scores(analysis, concept_table(index), cand)
        pick = _top(base, n_pool)
        clap_part = None
        if q is not None:
            fi = index.faiss_index(CLAP_FAMILY)
            clap_top, _ = fi.search(q, n_pool, allowed=mask, exact=True)
            pick = np.union1d(pick, np.searchsorted(cand, clap_top))  # cand is sorted (flatnonzero)
            cos = _cosines(fi, q, cand[pick])
            if analysis.understood:
                z, _ = _zscore(cos)
                _, sd = _zscore(base[pick])
                clap_part = clap_weight * (sd if sd > 1e-9 else 1.0) * z
            else:  # only CLAP can read this query: its cosine is the score
                clap_part = np.where(np.isfinite(cos), cos, np.nanmin(cos) if np.isfinite(cos).any() else 0.0)
                base, parts, names = np.zeros(len(cand)), np.zeros((len(cand), 0)), []
            fused = base[pick] + clap_part
            order = np.argsort(-fused, kind="stable")[:n_pool]
            pick, fused, clap_part = pick[order], fused[order], clap_part[order]
        else:
            fused = base[pick]
        if lam is not None and len(pick) > 1:
            lo, hi = fused.min(), fused.max()
            rel = (fused - lo) / (hi - lo) if hi > lo else np.ones(len(fused))
            chosen = np.array(relevance_mmr(rel, _mmr_vectors(index, cand[pick]), k, lam), dtype=np.int64)
        else:
            chosen = np.arange(min(k, len(pick)))
        ids = cat.track_ids(cand[pick[chosen]])

    payloads = index.payloads(ids)
    hits = []
    for tid, c in zip(ids, chosen):
        expl = None
        if explain:
            expl = {name: float(v) for name, v in zip(names, parts[pick[c]])}
            if clap_part is not None:
                expl["clap"] = float(clap_part[c])
        hits.append(Hit(tid, float(fused[c]), payloads.get(tid, {}), expl))
    return hits
