"""Words of text queries: the concept vocabulary, the phrases that name each concept, and function words.

Each concept has a list of phrases (exact matches and the targets of the sentence-embedding match
in :mod:`heihachi_index.search.text`); a few phrases name several concepts or name a concept by
its absence (``"instrumental"`` is ``vocal`` with strength -1). Phrases are lowercase, tokenised like
queries (hyphens and slashes are spaces, ``&`` is a token).
"""
from __future__ import annotations

import re
from functools import lru_cache
from types import MappingProxyType
from typing import Mapping

# The fixed vocabulary shared with heihachi_index.search.descriptors (45 concepts), by group.
CONCEPT_GROUPS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "mood": ("dark", "bright", "aggressive", "calm", "euphoric", "melancholic", "hypnotic", "tense", "uplifting",
             "chill", "energetic", "warm"),
    "sound": ("heavy_bass", "sub_bass", "reese", "wobble", "distorted", "clean", "sparse", "dense", "punchy_drums",
              "rolling", "minimal", "atmospheric", "vocal", "drums"),
    "style": ("drum_and_bass", "neurofunk", "liquid", "jungle", "halftime", "dubstep", "techno", "house", "ambient",
              "breakbeat", "hip_hop"),
    "tempo": ("slow", "mid_tempo", "fast"),
    "structure": ("intro", "build_up", "drop", "breakdown", "outro"),
})
CONCEPTS: tuple[str, ...] = tuple(c for group in CONCEPT_GROUPS.values() for c in group)
CONCEPT_GROUP: Mapping[str, str] = MappingProxyType({c: g for g, cs in CONCEPT_GROUPS.items() for c in cs})

# Phrases naming one concept with full strength.
CONCEPT_PHRASES: Mapping[str, tuple[str, ...]] = MappingProxyType({
    # mood
    "dark": ("dark", "darker", "darkest", "darkness", "gloomy", "gloom", "sinister", "menacing", "ominous", "murky",
             "grim", "evil", "spooky", "creepy", "haunting", "haunted", "brooding", "eerie", "shadowy", "bleak", "doom",
             "doomy", "nocturnal", "night time", "late night", "moody dark", "horror"),
    "bright": ("bright", "brighter", "brightness", "sunny", "shiny", "sparkling", "sparkly", "shimmering", "radiant",
               "vibrant", "glittering", "luminous", "crisp highs", "bright synths", "airy highs"),
    "aggressive": ("aggressive", "aggression", "angry", "anger", "rage", "hard", "harder", "hard hitting",
                   "hardhitting", "brutal", "savage", "violent", "fierce", "ferocious", "rowdy", "furious", "nasty",
                   "harsh", "ruthless", "relentless", "in your face", "heavy hitting", "vicious", "menace",
                   "hardcore", "punishing", "aggro", "screaming"),
    "calm": ("calm", "calming", "peaceful", "serene", "soothing", "gentle", "tranquil", "soft", "quiet", "relaxed",
             "relaxing", "restful", "sleepy", "placid", "easy going", "unhurried", "yoga", "sleep",
             "meditation"),
    "euphoric": ("euphoric", "euphoria", "ecstatic", "ecstasy", "blissful", "bliss", "rave", "ravey", "hands in the air",
                 "festival", "elated", "goosebumps", "peak euphoria"),
    "melancholic": ("melancholic", "melancholy", "sad", "sadness", "wistful", "nostalgic", "nostalgia", "bittersweet",
                    "longing", "sorrowful", "mournful", "heartbreak", "heartbroken", "somber", "sombre", "tearjerker",
                    "depressing", "lonely", "introspective", "reflective", "emotional", "melancholia", "heartfelt",
                    "tearful", "crying", "mournful piano"),
    "hypnotic": ("hypnotic", "trancey", "trance like", "trippy", "mesmerising", "mesmerizing", "repetitive", "looping",
                 "loopy", "psychedelic", "entrancing", "droning", "spiralling", "spiraling", "hypnotising"),
    "tense": ("tense", "tension", "suspense", "suspenseful", "edgy", "anxious", "nervous", "uneasy", "unsettling",
              "paranoid", "paranoia", "claustrophobic", "thriller", "nervy", "stressful", "dread"),
    "uplifting": ("uplifting", "happy", "joyful", "joyous", "cheerful", "positive", "hopeful", "feel good",
                  "optimistic", "inspiring", "anthemic", "anthem", "triumphant", "sunshine", "good mood", "major key vibe"),
    "chill": ("chill", "chilled", "chillout", "chill out", "chilled out", "chilling", "lofi", "lo fi", "easy listening",
              "lounge", "sunday morning", "unwind", "low key", "lowkey", "cozy chill"),
    "energetic": ("energetic", "energy", "high energy", "lively", "driving", "pumping", "bouncy", "upbeat",
                  "dancefloor", "peak time", "peaktime", "hype", "hyped", "party", "powerful", "explosive", "hectic",
                  "intense", "banger", "bangers", "stomping", "dynamic", "vigorous", "workout", "gym", "running"),
    "warm": ("warm", "warmth", "warmer", "cozy", "cosy", "analog", "analogue", "rich", "velvety", "organic", "vinyl",
             "tape", "soulful"),
    # sound
    "heavy_bass": ("heavy bass", "bass heavy", "bassy", "big bass", "fat bass", "phat bass", "huge bass",
                   "massive bass", "deep bass", "thick bass", "bass", "bassline", "low end", "boomy", "bass music",
                   "bass weight", "weighty", "heavy low end", "chunky bass", "bass driven", "heavy", "thunderous",
                   "booming"),
    "sub_bass": ("sub bass", "subbass", "sub", "subby", "sub heavy", "deep sub", "rumbling", "rumble", "low frequencies",
                 "sub low", "808", "808s", "pure sub", "sine bass"),
    "reese": ("reese", "reese bass", "reese bassline", "reeses", "detuned bass", "neuro bass", "growling reese",
              "phasing bass"),
    "wobble": ("wobble", "wobbly", "wobbles", "wobble bass", "wub", "wubs", "wubwub", "wub wub", "lfo bass", "womp",
               "yoi", "growl", "growling", "growl bass"),
    "distorted": ("distorted", "distortion", "gritty", "grit", "grimy", "dirty", "filthy", "saturated", "saturation",
                  "overdriven", "overdrive", "crunchy", "fuzzy", "fuzz", "noisy", "raw", "abrasive", "grinding",
                  "screechy", "screeching", "clipping", "dirty bass", "filthy bass", "nasty bass", "filth", "sludgy"),
    "clean": ("clean", "polished", "pristine", "crisp", "clear", "hifi", "hi fi", "smooth", "glossy", "slick",
              "well produced", "transparent", "clean mix"),
    "sparse": ("sparse", "stripped back", "stripped down", "empty", "skeletal", "bare", "few elements", "spacious",
               "roomy", "airy", "uncluttered"),
    "dense": ("dense", "busy", "layered", "thick", "full", "packed", "wall of sound", "complex", "intricate",
              "cluttered", "maximal", "maximalist", "lots going on", "densely layered"),
    "punchy_drums": ("punchy", "punchy drums", "punch", "tight drums", "hard drums", "crisp drums", "snappy",
                     "snappy snare", "snappy drums", "big drums", "fat drums", "knocking drums", "slamming drums",
                     "hard hitting drums", "punchy kick", "punchy snare", "heavy drums", "banging drums", "thumping"),
    "rolling": ("rolling", "roller", "rollers", "rolling bassline", "rolling bass", "rolling drums", "rolling beats",
                "flowing", "steady groove", "rolling groove", "rollin"),
    "minimal": ("minimal", "minimalist", "minimalistic", "minimalism", "micro", "stripped", "reduced"),
    "atmospheric": ("atmospheric", "atmosphere", "atmospherics", "ethereal", "dreamy", "spacey", "spacy", "floaty",
                    "lush", "pads", "lush pads", "cinematic", "reverb", "reverby", "washed out", "immersive", "textures",
                    "textural", "cosmic", "otherworldly", "dreamlike", "celestial", "deep space"),
    "vocal": ("vocal", "vocals", "vocalist", "singing", "singer", "sung", "voice", "voices", "lyrics", "lyrical",
              "vocal chops", "chopped vocals", "vocal samples", "diva", "choir", "spoken word", "acapella",
              "a cappella", "mc", "mcs", "mcing", "emcee", "toasting", "chorus", "female vocals", "male vocals"),
    "drums": ("drums", "drum", "percussion", "percussive", "drum heavy", "kick", "kicks", "snare", "snares", "hi hats",
              "hihats", "hats", "drum kit", "drum machine", "drumming", "beat driven", "percussion heavy", "drumline", "drum fills"),
    # style
    "drum_and_bass": ("drum and bass", "drum n bass", "drum & bass", "drumandbass", "drumnbass", "dnb", "d&b", "d & b",
                      "dnb music", "d n b", "dn b", "jump up", "jumpup", "drum bass"),
    "neurofunk": ("neurofunk", "neuro", "neuro funk", "techstep", "tech step", "neuro dnb"),
    "liquid": ("liquid", "liquid funk", "liquid dnb", "liquid drum and bass", "liquid d&b", "soulful dnb",
               "liquid drum n bass"),
    "jungle": ("jungle", "junglist", "ragga jungle", "old school jungle", "oldschool jungle", "ragga", "amen",
               "amen break", "amens", "amen breaks", "chopped amens", "think break"),
    "halftime": ("halftime", "half time", "half tempo", "half speed", "halftime dnb", "half time dnb"),
    "dubstep": ("dubstep", "brostep", "riddim", "deep dubstep", "dub step", "tearout", "tear out", "dubstep wobble"),
    "techno": ("techno", "techy", "warehouse", "industrial", "acid", "acid techno", "berlin", "minimal techno",
               "hard techno", "detroit", "four to the floor techno"),
    "house": ("house", "deep house", "tech house", "disco", "nu disco", "garage", "uk garage", "ukg", "funky house",
              "chicago house", "house music"),
    "ambient": ("ambient", "ambience", "ambiance", "drone", "drones", "soundscape", "soundscapes", "new age",
                "ambient music", "beatless ambient"),
    "breakbeat": ("breakbeat", "breakbeats", "breaks", "broken beat", "broken beats", "nu skool breaks", "big beat",
                  "breaky", "breakbeat drums", "chopped breaks", "funky breaks"),
    "hip_hop": ("hip hop", "hiphop", "rap", "rapping", "rapper", "boom bap", "boombap", "trap", "lofi hip hop",
                "lo fi hip hop", "beats to study", "instrumental hip hop", "hip hop beat", "hip hop beats"),
    # tempo
    "slow": ("slow", "slower", "slowest", "slow paced", "downtempo", "down tempo", "low tempo", "slowed", "sluggish",
             "crawling", "leisurely"),
    "mid_tempo": ("mid tempo", "midtempo", "medium tempo", "moderate tempo", "medium pace", "mid paced", "mid pace",
                  "medium paced", "moderate pace"),
    "fast": ("fast", "faster", "fastest", "quick", "uptempo", "up tempo", "high tempo", "rapid", "speedy", "high bpm",
             "fast paced", "breakneck", "frantic", "hyper"),
    # structure
    "intro": ("intro", "long intro", "intro section", "mixable intro", "dj intro", "opening"),
    "build_up": ("build up", "buildup", "builds", "build", "building", "riser", "risers", "crescendo", "rising tension",
                 "build ups"),
    "drop": ("drop", "drops", "big drop", "massive drop", "heavy drop", "the drop", "hard drop", "huge drop"),
    "breakdown": ("breakdown", "breakdowns", "break down", "quiet section", "interlude", "calm section"),
    "outro": ("outro", "long outro", "ending", "fade out", "mixable outro", "dj outro"),
})

# Phrases naming several concepts, or one with a strength other than 1 (negative = its absence).
MULTI_PHRASES: Mapping[str, Mapping[str, float]] = MappingProxyType({
    "mellow": {"chill": 1.0, "calm": 0.8},
    "laid back": {"chill": 1.0, "calm": 0.7},
    "relaxed vibe": {"chill": 1.0, "calm": 0.8},
    "banging": {"energetic": 1.0, "aggressive": 0.7},
    "bangin": {"energetic": 1.0, "aggressive": 0.7},
    "hard hitting": {"aggressive": 1.0, "energetic": 0.7, "punchy_drums": 0.5},
    "heavy hitting": {"aggressive": 1.0, "energetic": 0.6, "punchy_drums": 0.5},
    "filthy bass": {"distorted": 1.0, "heavy_bass": 0.8},
    "dirty bass": {"distorted": 1.0, "heavy_bass": 0.8},
    "nasty bass": {"distorted": 1.0, "heavy_bass": 0.8, "aggressive": 0.5},
    "gritty bass": {"distorted": 1.0, "heavy_bass": 0.8},
    "distorted bass": {"distorted": 1.0, "heavy_bass": 0.8},
    "rolling bassline": {"rolling": 1.0, "heavy_bass": 0.4},
    "rolling bass": {"rolling": 1.0, "heavy_bass": 0.4},
    "moody": {"dark": 0.8, "melancholic": 0.5},
    "moodier": {"dark": 0.8, "melancholic": 0.5},
    "spine chilling": {"tense": 0.8, "dark": 0.6},
    "instrumental": {"vocal": -1.0},
    "beatless": {"drums": -1.0, "ambient": 0.5},
    "drumless": {"drums": -1.0},
    "downtempo": {"slow": 1.0, "chill": 0.5},
    "trance": {"euphoric": 0.8, "hypnotic": 0.6, "uplifting": 0.5},
    "meditative": {"calm": 0.8, "hypnotic": 0.7},
    "darkstep": {"drum_and_bass": 1.0, "dark": 0.8, "aggressive": 0.5},
    "techstep": {"drum_and_bass": 0.8, "neurofunk": 0.8, "dark": 0.5},
    "liquid funk": {"liquid": 1.0, "drum_and_bass": 0.5},
    "liquid dnb": {"liquid": 1.0, "drum_and_bass": 1.0},
    "liquid drum and bass": {"liquid": 1.0, "drum_and_bass": 1.0},
    "liquid drum n bass": {"liquid": 1.0, "drum_and_bass": 1.0},
    "liquid d&b": {"liquid": 1.0, "drum_and_bass": 1.0},
    "soulful dnb": {"liquid": 1.0, "drum_and_bass": 1.0, "warm": 0.5},
    "jump up": {"drum_and_bass": 1.0, "energetic": 0.6, "wobble": 0.4},
    "jumpup": {"drum_and_bass": 1.0, "energetic": 0.6, "wobble": 0.4},
    "halftime dnb": {"halftime": 1.0, "drum_and_bass": 0.7},
    "half time dnb": {"halftime": 1.0, "drum_and_bass": 0.7},
    "amen": {"jungle": 1.0, "breakbeat": 0.7},
    "amen break": {"jungle": 1.0, "breakbeat": 0.8},
    "amens": {"jungle": 1.0, "breakbeat": 0.7},
    "amen breaks": {"jungle": 1.0, "breakbeat": 0.8},
    "chopped amens": {"jungle": 1.0, "breakbeat": 0.8},
    "breaks": {"breakbeat": 1.0, "jungle": 0.6},
    "chopped breaks": {"breakbeat": 1.0, "jungle": 0.7},
    "brostep": {"dubstep": 1.0, "aggressive": 0.6, "wobble": 0.6},
    "riddim": {"dubstep": 1.0, "wobble": 0.8},
    "tearout": {"dubstep": 1.0, "aggressive": 0.8, "distorted": 0.6},
    "tear out": {"dubstep": 1.0, "aggressive": 0.8, "distorted": 0.6},
    "deep dubstep": {"dubstep": 1.0, "sub_bass": 0.6, "dark": 0.4},
    "industrial": {"techno": 0.8, "distorted": 0.6, "dark": 0.4},
    "hard techno": {"techno": 1.0, "aggressive": 0.7},
    "minimal techno": {"techno": 1.0, "minimal": 1.0},
    "acid": {"techno": 0.7, "hypnotic": 0.5},
    "acid techno": {"techno": 1.0, "hypnotic": 0.5},
    "four on the floor": {"techno": 0.3, "house": 0.3},  # a rhythm of both: weak unless it is all there is
    "four to the floor": {"techno": 0.3, "house": 0.3},
    "deep house": {"house": 1.0, "warm": 0.5},
    "garage": {"house": 0.6, "breakbeat": 0.4},
    "uk garage": {"house": 0.6, "breakbeat": 0.4},
    "ukg": {"house": 0.6, "breakbeat": 0.4},
    "two step": {"house": 0.5, "breakbeat": 0.5},
    "drone": {"ambient": 0.8, "hypnotic": 0.5},
    "drones": {"ambient": 0.8, "hypnotic": 0.5},
    "soundscape": {"ambient": 0.8, "atmospheric": 0.8},
    "soundscapes": {"ambient": 0.8, "atmospheric": 0.8},
    "rap": {"hip_hop": 1.0, "vocal": 0.7},
    "rapping": {"hip_hop": 0.8, "vocal": 1.0},
    "rapper": {"hip_hop": 0.8, "vocal": 1.0},
    "trap": {"hip_hop": 0.8, "sub_bass": 0.5},
    "808": {"sub_bass": 0.8, "hip_hop": 0.4},
    "808s": {"sub_bass": 0.8, "hip_hop": 0.4},
    "lofi": {"chill": 1.0, "warm": 0.5},
    "lo fi": {"chill": 1.0, "warm": 0.5},
    "lofi hip hop": {"hip_hop": 1.0, "chill": 1.0, "warm": 0.5},
    "lo fi hip hop": {"hip_hop": 1.0, "chill": 1.0, "warm": 0.5},
    "instrumental hip hop": {"hip_hop": 1.0, "vocal": -1.0},
    "frantic": {"fast": 0.7, "energetic": 0.7},
    "hyper": {"fast": 0.7, "energetic": 0.7},
    "spacious": {"sparse": 0.6, "atmospheric": 0.6},
    "airy": {"sparse": 0.5, "atmospheric": 0.6, "bright": 0.3},
    "lush": {"atmospheric": 0.8, "warm": 0.5},
    "lush pads": {"atmospheric": 1.0, "warm": 0.5},
    "stripped": {"minimal": 0.7, "sparse": 0.7},
    "stripped back": {"sparse": 1.0, "minimal": 0.6},
    "stripped down": {"sparse": 1.0, "minimal": 0.6},
    "smooth": {"clean": 0.6, "calm": 0.5},
    "glossy": {"clean": 0.6, "bright": 0.5},
    "soulful": {"warm": 0.8, "liquid": 0.4},
    "rising tension": {"build_up": 0.8, "tense": 0.6},
    "big drop": {"drop": 1.0, "energetic": 0.5},
    "massive drop": {"drop": 1.0, "energetic": 0.5},
    "huge drop": {"drop": 1.0, "energetic": 0.5},
    "heavy drop": {"drop": 1.0, "heavy_bass": 0.5},
    "hard drop": {"drop": 1.0, "aggressive": 0.5},
    "hardcore": {"aggressive": 0.8, "fast": 0.6},
    "growl": {"wobble": 0.7, "distorted": 0.5},
    "growling": {"wobble": 0.7, "distorted": 0.5},
    "growl bass": {"wobble": 0.8, "distorted": 0.5, "heavy_bass": 0.5},
    "neuro bass": {"reese": 0.8, "neurofunk": 0.6},
    "sunshine": {"uplifting": 0.8, "bright": 0.6},
    "sunny": {"bright": 0.8, "uplifting": 0.6},
    "summery": {"uplifting": 0.8, "bright": 0.6},
    "heavy": {"heavy_bass": 0.7, "aggressive": 0.4},
    "thumping": {"punchy_drums": 0.8, "energetic": 0.5},
    "banger": {"energetic": 1.0, "drop": 0.4},
    "bangers": {"energetic": 1.0, "drop": 0.4},
    "intense": {"energetic": 0.8, "aggressive": 0.6, "tense": 0.4},
    "raw": {"distorted": 0.7, "aggressive": 0.4},
    "screaming": {"aggressive": 0.8, "distorted": 0.6},
    "jazzy": {"warm": 0.7, "liquid": 0.3},
    "epic": {"euphoric": 0.6, "uplifting": 0.5, "energetic": 0.4},
    "meditation": {"calm": 0.8, "hypnotic": 0.6},
    "study": {"chill": 0.8, "calm": 0.5},
    "studying": {"chill": 0.8, "calm": 0.5},
    "focus": {"chill": 0.6, "hypnotic": 0.4},
})

# Common words of music queries that name no concept: an unknown word nearest to one of these is
# "not understood" rather than forced onto the nearest concept (all-MiniLM puts "car" next to
# "driving", "orchestral" next to "instrumental", "grime" next to "grim").
DECOY_PHRASES: tuple[str, ...] = (
    "guitar", "guitars", "piano", "saxophone", "sax", "trumpet", "violin", "strings", "orchestral", "orchestra",
    "synth", "synths", "flute", "horns", "brass", "sitar", "cello", "harp", "bells", "organ", "rhodes",
    "grime", "drill", "footwork", "juke", "electro", "synthwave", "vaporwave", "psytrance", "hardstyle", "gabber",
    "reggae", "dub", "jazz", "rock", "metal", "pop", "funk", "r&b", "rnb", "country", "folk", "classical", "edm",
    "idm", "dancehall", "afrobeat", "amapiano", "glitch", "grunge", "punk", "indie", "blues", "gospel", "latin",
    "car", "forest", "city", "ocean", "beach", "banana", "food", "yesterday", "today", "morning", "weekend",
    "tomorrow", "money", "love", "remix", "bootleg", "edit", "vip", "dubplate", "label", "artist", "producer",
    "album", "classic", "old", "new", "recent", "famous", "popular", "underground", "mainstream", "commercial",
    "radio", "video", "game", "film", "movie", "year", "decade", "funny", "weird", "random", "different",
    "low", "high", "filtered", "synth heavy", "waves",
)

# Words that change the weight of the concept after them (strength of the wish) ...
INTENSIFIERS: Mapping[str, float] = MappingProxyType({
    "very": 1.0, "super": 1.0, "really": 1.0, "extremely": 1.0, "ultra": 1.0, "so": 1.0, "incredibly": 1.0,
    "totally": 1.0, "insanely": 1.0, "seriously": 1.0, "properly": 1.0, "mega": 1.0, "most": 1.0,
    "highly": 1.0, "massively": 1.0, "absolutely": 1.0, "deeply": 1.0, "full on": 1.0, "proper": 1.0,
    "quite": 0.6, "fairly": 0.6, "rather": 0.6, "pretty": 0.6, "moderately": 0.5, "reasonably": 0.5,
    "somewhat": 0.45, "kind of": 0.45, "kinda": 0.45, "sort of": 0.45, "sorta": 0.45, "semi": 0.45,
    "slightly": 0.3, "a bit": 0.3, "a little": 0.3, "a little bit": 0.3, "a touch": 0.3, "a hint of": 0.3,
    "bit": 0.3, "little": 0.3, "mildly": 0.3, "lightly": 0.3, "subtle": 0.3, "subtly": 0.3, "barely": 0.15,
    "hint of": 0.3, "touch of": 0.3, "some": 0.5,
})
# Weight of a concept named without a modifier (so that "very" can still raise it).
DEFAULT_INTENSITY = 0.7

# ... and words that negate the concepts after them (with the strength of the negation).
NEGATORS: Mapping[str, float] = MappingProxyType({
    "no": 1.0, "not": 1.0, "without": 1.0, "non": 1.0, "never": 1.0, "zero": 1.0, "minus": 1.0, "lacking": 1.0,
    "avoid": 1.0, "none": 1.0, "nothing": 1.0, "don't": 1.0, "dont": 1.0, "isn't": 1.0, "aren't": 1.0,
    "doesn't": 1.0, "free of": 1.0, "devoid of": 1.0, "anything but": 1.0, "except": 1.0, "exclude": 1.0,
    "excluding": 1.0, "skip": 1.0, "not too": 0.5, "not very": 0.5, "not so": 0.5, "not overly": 0.5,
    "less": 0.5, "fewer": 0.5, "not much": 0.7, "little to no": 1.0, "w/o": 1.0,
})
# Words after a concept that negate it ("vocal-free").
NEGATING_SUFFIXES: tuple[str, ...] = ("free",)
# Words that end a negation (the start of the next clause); "or"/"nor" continue it.
CLAUSE_BREAKS: frozenset[str] = frozenset({
    ",", ";", ".", "!", "?", "|", "but", "with", "and", "yet", "though", "although", "plus", "while", "also", "then",
    "&&",
})

STOP_WORDS: frozenset[str] = frozenset("""
a an the of for in on at to from by as is are be was were been being it its this that these those there here
i me my we us our you your he she they them their some any all both each every other another such
which who whom whose what when where why how than too very just only also again ever even
want wanted wants need needs needed looking look find finding show give play playing get got gimme lemme
please pls would like likes liked love loved prefer preferably ideally maybe perhaps something somethin anything
track tracks tune tunes song songs music musical stuff thing things piece pieces record records release releases
vibe vibes vibey feel feeling feels style styles type types kind sort genre genres sound sounds sounding
mix mixes set sets dj djs playlist playlists selection selections bpm bpms tempo key keys
good nice great cool awesome best better lot lots plenty loads bunch much many more
or nor has have having had do does did can could should will shall may might must
around about roughly near ish
beat beats groove grooves jam jams one ones
""".split())

_TOKEN = re.compile(r"w/o|[a-z0-9#]+(?:'[a-z]+)?|&|[,;.!?|]")


def tokenize(text: str) -> list[str]:
    """Lowercase tokens of a query or phrase: words, numbers, ``&`` and clause punctuation.

    Hyphens and slashes split words (``"hard-hitting"`` -> ``hard hitting``); ``'n'``/``n'`` in
    ``drum 'n' bass`` becomes ``n``.
    """
    t = text.lower()
    t = re.sub(r"[\u2018\u2019`\u00b4]", "'", t)
    t = re.sub(r"(?<=[a-z])\s*'n'?\s*(?=[a-z])|\s+'n'?\s+|\s+n'\s+", " n ", t)
    t = re.sub(r"(?<!w)/|[-\u2013\u2014_+()\[\]{}\"*]", " ", t)
    return _TOKEN.findall(t)


def _variants(tokens: tuple[str, ...]) -> set[tuple[str, ...]]:
    """A phrase and its plural (last word + ``s``), so that "basslines" and "breakdowns" match."""
    out = {tokens}
    last = tokens[-1]
    if len(last) > 2 and last[-1] not in "s0123456789":
        out.add(tokens[:-1] + (last + "s",))
    return out


@lru_cache(maxsize=1)
def phrase_table() -> dict[tuple[str, ...], dict[str, float]]:
    """Token tuple -> ``{concept: strength}`` for every phrase (multi-concept entries win)."""
    table: dict[tuple[str, ...], dict[str, float]] = {}
    for concept, phrases in CONCEPT_PHRASES.items():
        if concept not in CONCEPT_GROUP:
            raise ValueError(f"phrases given for unknown concept {concept!r}")
        for phrase in phrases:
            for v in _variants(tuple(tokenize(phrase))):
                table.setdefault(v, {})[concept] = 1.0
    for phrase, weights in MULTI_PHRASES.items():
        unknown = set(weights) - set(CONCEPTS)
        if unknown:
            raise ValueError(f"phrase {phrase!r} names unknown concepts {sorted(unknown)}")
        for v in _variants(tuple(tokenize(phrase))):
            table[v] = dict(weights)
    return table


@lru_cache(maxsize=1)
def modifier_table() -> tuple[dict[tuple[str, ...], float], dict[tuple[str, ...], float]]:
    """Token tuples of the intensifiers and of the negators."""
    return ({tuple(tokenize(k)): v for k, v in INTENSIFIERS.items()},
            {tuple(tokenize(k)): v for k, v in NEGATORS.items()})


@lru_cache(maxsize=1)
def embedding_phrases() -> tuple[tuple[str, ...], tuple[Mapping[str, float], ...]]:
    """Phrases matched by sentence embedding and what each names (empty for a decoy), sorted."""
    table = phrase_table()
    names = {" ".join(tokenize(p)) for ps in CONCEPT_PHRASES.values() for p in ps} | {
        " ".join(tokenize(p)) for p in MULTI_PHRASES}
    out = {n: MappingProxyType(table[tuple(n.split())]) for n in names if not n.replace(" ", "").isdigit()}
    for d in DECOY_PHRASES:
        name = " ".join(tokenize(d))
        if name in out:
            raise ValueError(f"decoy {d!r} is also a concept phrase")
        out[name] = MappingProxyType({})
    texts = tuple(sorted(out))
    return texts, tuple(out[t] for t in texts)
