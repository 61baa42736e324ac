"""analyze_text(): synonyms, negation, intensity, constraints, unparsed words, model loading."""
from __future__ import annotations

import pytest

from heihachi_index.search import text_model as tm
from heihachi_index.search.constraints import parse_constraints
from heihachi_index.search.text import TextAnalysis, analyze_text
from heihachi_index.search.text_lexicon import CONCEPT_GROUPS, CONCEPTS, embedding_phrases, tokenize
from heihachi_index.search.text_model import TextModelError, text_model


def weights(query: str) -> dict[str, float]:
    return analyze_text(query).weights()


def test_vocabulary_is_the_fixed_45():
    assert len(CONCEPTS) == len(set(CONCEPTS)) == 45
    assert CONCEPT_GROUPS["tempo"] == ("slow", "mid_tempo", "fast")
    assert {"drum_and_bass", "hip_hop", "punchy_drums", "build_up", "heavy_bass"} <= set(CONCEPTS)


@pytest.mark.parametrize("query, expected", [
    ("gloomy", {"dark"}),
    ("rolling basslines", {"rolling"}),
    ("mellow", {"chill", "calm"}),
    ("hard-hitting", {"aggressive"}),
    ("banging", {"energetic", "aggressive"}),
    ("dnb", {"drum_and_bass"}),
    ("d&b", {"drum_and_bass"}),
    ("drum n bass", {"drum_and_bass"}),
    ("drum 'n' bass", {"drum_and_bass"}),
    ("Drum & Bass", {"drum_and_bass"}),
    ("amen", {"jungle", "breakbeat"}),
    ("breaks", {"breakbeat", "jungle"}),
    ("singing", {"vocal"}),
    ("vocals", {"vocal"}),
    ("filthy bass", {"distorted", "heavy_bass"}),
    ("dirty bass", {"distorted", "heavy_bass"}),
    ("uptempo", {"fast"}),
    ("mid-tempo", {"mid_tempo"}),
    ("big drop", {"drop"}),
    ("wobbles", {"wobble"}),
])
def test_synonyms_land_on_concepts(query, expected):
    w = weights(query)
    assert expected <= set(w), w
    assert all(w[c] > 0 for c in expected)
    strongest = max(w, key=lambda c: w[c])
    assert strongest in expected


@pytest.mark.parametrize("query, concept", [  # none of these words is a lexicon phrase
    ("relaxation", "calm"),
    ("growly", "wobble"),
    ("mournfulness", "melancholic"),
    ("technoid", "techno"),
    ("breakbeaty", "breakbeat"),
    ("hypnotizing", "hypnotic"),
])
def test_paraphrases_by_embedding(query, concept):
    a = analyze_text(query)
    w = a.weights()
    assert max(w, key=lambda c: w[c]) == concept, a.to_dict()
    assert all(c.similarity < 1.0 for c in a.concepts) and not a.unparsed


def test_decoys_and_fragments_stay_unparsed():
    assert analyze_text("guitar").unparsed == ["guitar"]  # nearest concept phrase is "bass" (0.61): not forced
    assert analyze_text("orchestral").unparsed == ["orchestral"]  # not "instrumental" (= no vocals)
    assert set(weights("rave-y")) == {"euphoric"}


def test_embedding_matches_report_similarity():
    a = analyze_text("growly")
    c = next(c for c in a.concepts if c.name == "wobble")
    assert 0.65 <= c.similarity < 1.0 and c.phrase == "growly" and c.matched == "growl"
    assert abs(c.weight) < 0.7  # scaled by the similarity


def test_full_queries():
    a = analyze_text("dark aggressive neurofunk with heavy bass")
    assert set(a.weights()) == {"dark", "aggressive", "neurofunk", "heavy_bass"}
    assert all(w > 0 for w in a.weights().values()) and not a.unparsed
    b = analyze_text("calm liquid around 172 bpm, no vocals")
    assert b.weights()["calm"] > 0 and b.weights()["liquid"] > 0 and b.weights()["vocal"] < 0
    assert (b.constraints.tempo.low, b.constraints.tempo.high) == pytest.approx((165.12, 178.88))
    assert b.clap_text == "calm liquid no vocals"


@pytest.mark.parametrize("query, concept", [
    ("no vocals", "vocal"),
    ("not aggressive", "aggressive"),
    ("without drums", "drums"),
    ("vocal-free", "vocal"),
    ("vocal free", "vocal"),
    ("drumless", "drums"),
    ("instrumental", "vocal"),
    ("dnb that isn't dark", "dark"),
    ("free of vocals", "vocal"),
])
def test_negation(query, concept):
    assert weights(query)[concept] < 0


def test_negation_scope():
    w = weights("no vocals or drums, dark")
    assert w["vocal"] < 0 and w["drums"] < 0 and w["dark"] > 0
    w = weights("without vocals but heavy bass")
    assert w["vocal"] < 0 and w["heavy_bass"] > 0
    w = weights("not instrumental")
    assert w["vocal"] > 0
    w = weights("no saxophone, rolling")  # an unknown word takes the negation with it
    assert w["rolling"] > 0


def test_intensity_scales_weights():
    plain, very, bit = weights("dark")["dark"], weights("very dark")["dark"], weights("a bit dark")["dark"]
    assert very == 1.0 and 0 < bit < plain < very
    assert weights("super aggressive")["aggressive"] == 1.0
    assert 0 < weights("slightly aggressive")["aggressive"] < 0.5
    assert 0 < weights("somewhat calm")["calm"] < plain
    assert -plain < weights("not too fast")["fast"] < 0
    w = weights("very dark slightly aggressive")
    assert w["dark"] > w["aggressive"] > 0


@pytest.mark.parametrize("query, low, high, half_double", [
    ("174", 170.52, 177.48, True),
    ("174 bpm", 170.52, 177.48, True),
    ("around 170 bpm", 163.2, 176.8, True),
    ("160-175", 160, 175, True),
    ("160 to 175 bpm", 160, 175, True),
    ("between 160 and 175", 160, 175, True),
    ("over 170", 170, None, False),
    ("faster than 170 bpm", 170, None, False),
    ("under 100", None, 100, False),
    ("170+ bpm", 170, None, False),
])
def test_tempo_constraints(query, low, high, half_double):
    a = analyze_text(f"dark {query}")
    t = a.constraints.tempo
    assert t is not None and t.half_double_time == half_double
    assert t.low == (pytest.approx(low) if low is not None else None)
    assert t.high == (pytest.approx(high) if high is not None else None)
    assert a.weights() == {"dark": pytest.approx(0.7)} and not a.unparsed
    f = a.filters()
    assert f.half_double_time == half_double
    assert f.tempo[0] == (low or 0.0) and f.tempo[1] >= (high or 999)


def test_tempo_words_stay_soft():
    a = analyze_text("slow mid-tempo fast")
    assert a.constraints.tempo is None and set(a.weights()) == {"slow", "mid_tempo", "fast"}


@pytest.mark.parametrize("query, keys, camelot", [
    ("in F minor", ("F minor",), ("4A",)),
    ("F#m", ("F# minor",), ("11A",)),
    ("4A", ("F minor",), ("4A",)),
    ("A major", ("A major",), ("11B",)),
    ("in Bb minor or 5A", ("A# minor", "C minor"), ("3A", "5A")),
])
def test_key_constraints(query, keys, camelot):
    a = analyze_text(f"rolling {query}")
    assert set(a.constraints.keys) == set(keys)
    assert set(a.filters().keys) == set(camelot)
    assert a.weights() == {"rolling": pytest.approx(0.7)} and not a.unparsed


def test_mode_and_compatible_keys():
    a = analyze_text("melancholic minor key")
    assert a.constraints.mode == "minor" and len(a.filters().keys) == 12
    assert all(code.endswith("A") for code in a.filters().keys)
    b = analyze_text("dark, mixable with 8A")
    assert b.constraints.compatible_key == "A minor" and b.filters().key == "A minor"
    assert "a minor detail" not in str(analyze_text("am i dark").constraints.keys)
    assert analyze_text("a dark track").constraints.keys == ()


@pytest.mark.parametrize("query, low, high", [
    ("under 3 minutes", None, 180),
    ("longer than 5 min", 300, None),
    ("3-5 minutes", 180, 300),
    ("shorter than 4:30", None, 270),
    ("over 200 seconds", 200, None),
])
def test_duration_constraints(query, low, high):
    a = analyze_text(f"house {query}")
    d = a.constraints.duration
    assert (d.low, d.high) == (low, high)
    assert a.constraints.tempo is None  # "over 200 seconds" is not a tempo
    lo, hi = a.filters().duration
    assert lo == (low or 0.0) and hi >= (high or 10 ** 5)


def test_contradictory_constraints_raise():
    with pytest.raises(ValueError, match="exclude each other"):
        analyze_text("over 180 under 170")


def test_unparsed_words():
    a = analyze_text("dark tracks with some saxophone and a purple elephant")
    assert a.weights() == {"dark": pytest.approx(0.7)}
    assert a.unparsed == ["saxophone", "purple elephant"]  # stop words (tracks, with, some, a) are not listed
    assert analyze_text("the music with some tracks").unparsed == []
    nothing = analyze_text("qwzx blorf")
    assert not nothing.understood and nothing.unparsed == ["qwzx blorf"]


def test_empty_query_raises():
    with pytest.raises(ValueError, match="empty"):
        analyze_text("  ")
    with pytest.raises(TypeError):
        analyze_text(None)


def test_to_dict_round_trip():
    d = analyze_text("very dark, no vocals, 170-175 bpm in F minor").to_dict()
    assert d["concepts"][0] == {"name": "dark", "weight": 1.0, "phrase": "dark", "similarity": 1.0, "matched": "dark"}
    assert d["concepts"][1]["name"] == "vocal" and d["concepts"][1]["weight"] < 0
    assert d["constraints"]["tempo"]["min"] == 170 and d["constraints"]["keys"][0]["camelot"] == "4A"
    assert isinstance(analyze_text("dark"), TextAnalysis)


def test_tokenize_and_constraint_spans():
    assert tokenize("Hard-hitting D&B, drum'n'bass") == ["hard", "hitting", "d", "&", "b", ",", "drum", "n", "bass"]
    cons, spans = parse_constraints("dark 174 bpm in F minor")
    assert [("dark 174 bpm in F minor")[a:b] for a, b in spans] == ["174 bpm", "in F minor"]


def test_model_is_loaded_once_and_phrases_encoded_once(monkeypatch):
    analyze_text("growly")  # loads the model (or reuses the one loaded already)
    model = text_model()
    assert text_model(None) is model and text_model(tm.default_model_path()) is model

    import sentence_transformers

    def no_reload(*args, **kwargs):
        raise AssertionError("the text model was loaded a second time")

    monkeypatch.setattr(sentence_transformers, "SentenceTransformer", no_reload)
    batches: list[int] = []
    real = model._model.encode
    monkeypatch.setattr(model._model, "encode", lambda texts, **kw: (batches.append(len(texts)), real(texts, **kw))[1])
    for q in ("relaxation", "growly sound", "technoid", "dark mournfulness"):
        analyze_text(q)
    assert batches == [1, 1, 1, 1]  # only the unknown words; the phrases are encoded once per model
    assert len(embedding_phrases()[0]) > 500


def test_lexicon_only_queries_do_not_need_the_model(monkeypatch):
    monkeypatch.setattr(tm, "_MODELS", {})
    monkeypatch.setattr(tm, "TextModel", lambda *a, **k: (_ for _ in ()).throw(AssertionError("model loaded")))
    assert weights("dark rolling dnb, no vocals")["vocal"] < 0


def test_unloadable_model_names_the_path(tmp_path):
    with pytest.raises(TextModelError, match=str(tmp_path / "missing")):
        text_model(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(TextModelError, match="empty"):
        analyze_text("growly", model=str(tmp_path / "empty"))


@pytest.mark.parametrize("concept", CONCEPTS)
def test_every_concept_name_is_understood(concept):
    a = analyze_text(concept.replace("_", " "))
    w = a.weights()
    assert max(w, key=lambda c: w[c]) == concept and not a.unparsed
