"""English: the words and rules every stage reads, as :data:`PACK`.

Moved here unchanged from the stages that used them, so that the features of English
text (and so the trained model's outputs) stay what they were.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pipeline.lang import ActorRules, CoreferenceRules, FeatureWords, LanguagePack, OpenWorldRules
from pipeline.lang.regex import trie_regex

# --- Segmenter --------------------------------------------------------------------------

# Lower-case, without the final period, as Punkt stores them.
ABBREVIATIONS = frozenset("""
    u.s u.s.a u.k u.n e.u o.a.s mr mrs ms dr prof gen lt col maj capt sgt adm gov sen rep rev st sr jr
    jan feb mar apr jun jul aug sep sept oct nov dec mon tue wed thu fri sat sun
    no nos vol pp p.m a.m etc vs inc ltd corp co dept est approx min max fig ave d.c a.f.p h.e amb pres
""".split()) | frozenset("abcdefghijklmnopqrstuvwxyz")
# Words that start a new sentence even after an abbreviation ("... in the U.S. He said").
SENTENCE_STARTERS = frozenset("he she they it the but however in this these we i a an his her their".split())

# --- Date lines -------------------------------------------------------------------------

DATE_LINE = re.compile(
    r"\b(?P<y>20\d\d)-(?P<m>[01]\d)-(?P<d>[0-3]\d)\b"
    r"|\b(?P<mon>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.? (?P<day>[0-3]?\d),? (?P<year>20\d\d)\b"
)
MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}

# --- Actor matcher ----------------------------------------------------------------------

# Government phrases generated from a country's demonym ("the Brazilian government").
DEMONYM_PHRASES = (
    "{d} government", "{d} officials", "{d} authorities", "{d} diplomats", "{d} foreign ministry",
    "{d} Foreign Ministry", "{d} president", "{d} President", "{d} leader", "{d} foreign minister",
    "{d} Foreign Minister", "{d} prime minister", "{d} Prime Minister", "{d} delegation",
    "{d} administration", "{d} embassy", "{d} Embassy", "{d} ambassador", "{d} chancellery",
    "{d} presidency", "{d} Presidency", "{d} executive", "{d} envoy", "{d} leaders", "{d} minister",
)
COUNTRY_PHRASES = (
    "{c}'s government", "the government of {c}", "{c}'s foreign ministry", "{c}'s president",
    "{c}'s leader", "{c}'s foreign minister", "{c}'s prime minister", "{c}'s Foreign Ministry",
    "the {c} government", "the president of {c}", "{c}'s administration",
)
# Before a mention or title, someone who does not (or not yet) speak for the country: a
# former official, or one elected but not yet in office ("the incoming Argentine president").
NOT_YET = r"[Ii]ncoming|[Nn]ewly[- ]elected"
FORMER = re.compile(rf"(?:\b[Ff]ormer|\bex-|\bthen-|\blate|\b(?:{NOT_YET}))$")
FORMER_REACH = len("newly-elected")
STOP_ALIASES = frozenset({"us", "union", "he", "she", "they", "it", "we", "the", "a", "an", "government",
                          "of", "and", "or", "in", "on", "to", "for", "by", "at", "as", "with", "from"})

# A capitalised word next to a one-word surname makes it another person's name ("Carlos Gil" is
# not Yván Gil), unless it is a title, a weekday or month, or the text is a title-case headline.
_NOT_FIRST_NAMES = frozenset({
    "President", "Mr", "Mrs", "Ms", "Dr", "Minister", "Secretary", "Senator", "Sen", "Rep", "Ambassador", "General",
    "Gen", "Governor", "Judge", "Justice", "Chancellor", "Premier", "Pope", "King", "Queen", "Prince", "Leader",
    "Candidate", "Presidents", "Vice", "Deputy", "Attorney", "Spokesman", "Spokeswoman", "Spokesperson", "Envoy",
    "Chief", "Commander", "Colonel", "Captain", "Admiral", "Lawmaker", "Opposition", "Foreign", "Prosecutor",
    "Ayatollah", "Imam", "Bishop", "Archbishop", "Cardinal", "Reverend", "Rev", "Sheikh", "Emir", "Sultan", "Rabbi",
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "January", "February", "March",
    "April", "May", "June", "July", "August", "September", "October", "November", "December", "But", "And", "Then",
    "When", "While", "After", "Before", "As", "If", "Yet", "Also", "So", "Still", "Now", "Later", "Earlier", "The",
    "That", "This", "Why", "How", "Meanwhile", "However", "Although", "Though", "Because", "Since", "Until", "Said",
    "Says", "Told", "Asked", "Both", "Neither", "Even", "Only", "Like", "Unlike", "With", "Without", "For", "From",
    "Against", "Under", "Over", "Of", "To", "In", "On", "At", "By", "Administration", "Government", "Regime",
    "Campaign", "Camp", "Allies", "Loyalists", "Supporters", "Team", "Era", "Doctrine", "Plan", "Slams", "Urges", "Backs",
})

# Before a country or city named as a place, not as an actor: "speaking from", "a visit to",
# "the talks in", "held in", and "in" generally ("protests in Caracas", "a summit in Brasília"),
# but not "officials in" (the officials are that country's).
VENUE_BEFORE = re.compile(
    r"(?:\b(?:[Ss]peaking|[Ss]poke|[Ss]peaks|[Tt]alking|[Ww]riting|[Rr]eporting|[Ff]led|[Ff]lew|[Aa]rrived|"
    r"[Tt]ravell?ed|[Rr]eturn(?:ed|ing)|[Ll]anded|[Ww]elcomed)\s+(?:from|in|to|at)"
    r"|\b(?:[Vv]isits?|[Tt]rip|[Tt]our|[Ss]top|[Tt]alks|[Ss]ummit|[Mm]eetings?|[Cc]onference|[Nn]egotiations|[Ff]orum"
    r"|[Rr]ally|[Cc]eremony|[Gg]athering|[Ee]vent|[Ee]xile|[Aa]sylum|[Ll]anded|[Hh]eld|[Hh]osted|[Bb]ased|[Mm]et)"
    r"\s+(?:in|to|at|from)"
    r"|(?:(?P<noun>\w+)\s+)?\b[Ii]n)"
    r"\s+(?:the\s+)?$")
# What may not follow a name: more of a word, an ending after an apostrophe ("'re", not
# "'s"), or "-elect" (Venezuela's president-elect is not the president).
PHRASE_END = re.compile(r"(?!\w|'\w\w|-(?:elect|designate)\b)")
VENUE_REACH = 40
_VENUE_PREPOSITION = re.compile(r"\b(?:[Ii]n|to|at|from)\s+(?:the\s+)?$")
# People of a country before "in": "officials in Peru" are Peru's officials, not a place.
_ACTOR_NOUNS = frozenset({"officials", "authorities", "diplomats", "leaders", "lawmakers", "government", "allies",
                          "counterparts", "ministers", "forces", "ambassador", "envoy", "embassy", "leadership",
                          "regime", "administration", "president", "minister", "spokesman", "spokeswoman", "ministry",
                          "warmongers", "hawks", "prosecutors", "courts", "judges", "troops", "military", "police",
                          "congress", "parliament", "legislators", "senators", "politicians", "policymakers",
                          # Actions of that state's courts and agencies: "charged in the United States".
                          "charged", "indicted", "prosecuted", "sanctioned", "convicted", "tried", "wanted"})
_POSTED_NOUNS = frozenset({"embassy", "ambassador", "envoy", "consulate", "embassies", "ambassadors", "envoys"})
# A seat of government named like a city ("Caracas", "La Paz"), not a body ("the Supreme Court").
_PLACE_NAME = re.compile(r"(?!.*\b(?:Court|Assembly|Council|Tribunal|Party|House|Palace)\b)[A-Z][^\W\d_]+(?: [A-Z][^\W\d_]+)?")
_VENUE_AFTER = re.compile(r"'s?\b|\s+(?:government|authorities|officials)\b")

# --- Coreference ------------------------------------------------------------------------

PERSON_PRONOUN = re.compile(r"\b(?:[Hh]e|[Ss]he|[Hh]is|[Hh]er)\b")
PRONOUN_GENDER = {"he": "m", "his": "m", "she": "f", "her": "f"}
THEY = re.compile(r"\b[Tt]hey\b")
COUNTS = {"both": 2, "pair": 2, "duo": 2, "two": 2, "three": 3, "trio": 3, "four": 4, "five": 5, "six": 6,
          "seven": 7, "eight": 8}
_NUMBER = "two|three|four|five|six|seven|eight"
# Group nouns that name states: listed people stand for the country they speak for.
STATE_NOUNS = frozenset({"countries", "nations", "governments", "administrations", "capitals", "states",
                         "neighbours", "neighbors", "allies", "blocs"})
_PERSON_NOUNS = ("leaders", "presidents", "heads of state", "foreign ministers", "ministers", "men", "women",
                 "candidates")
_NOUNS = "|".join(sorted(STATE_NOUNS | set(_PERSON_NOUNS), key=len, reverse=True))
# A modifier between a counted determiner and its noun: "both South American countries", "the
# two leftist leaders". Capitalised words or adjective endings, so that "these are countries" is no group.
_MODIFIER = r"(?:[A-Z][\w-]*|[a-z]+(?:ist|an|ian|ese|ic|al|ing|ern|ed|wing|ive))"
_GROUP_VERBS = r"have|had|said|say|are|were|will|would|also|called|asked|rejected|demanded|urged|sent|refused|recogni"
_THE_GROUP_NOUNS = ("countries", "governments", "nations", "leaders", "presidents", "capitals", "states")
GROUP = re.compile(
    rf"\b(?:(?:[Bb]oth|[Tt]he (?:{_NUMBER})|[Aa]ll (?:{_NUMBER})|(?:[Tt]hese|[Tt]hose)(?: (?:{_NUMBER}))?)"
    rf"(?:\s+{_MODIFIER}){{0,2}}?\s+(?:{_NOUNS})"
    rf"|[Tt]he\s+(?:{'|'.join(_THE_GROUP_NOUNS)}))\b"
    rf"|\b(?:[Bb]oth|[Aa]ll (?:{_NUMBER})|[Tt]he (?:{_NUMBER})|[Ee]ach) of them\b"
    rf"|\b[Aa]ll (?:{_NUMBER})\b|\b[Tt]he (?:pair|duo|trio)\b"
    rf"|\b(?:[Bb]oth|[Tt]he (?:{_NUMBER}))\b(?=\s+(?:{_GROUP_VERBS}))"
)
GOVERNMENT = re.compile(r"\b(?:[Tt]he|(?P<pronoun>[Hh]is|[Hh]er)) (?:government|administration)\b(?! of\b)(?!'s?\w)"
                        r"(?!\s+(?:palace|building|plane|jet|headquarters|offices|house|compound|website)\b)")
# Right after a person's name: "the Petro government", "Lula's administration".
GOVERNMENT_AFTER = re.compile(r"(?:'s)?\s+(?:government|administration)\b(?! of\b)")
OF = re.compile(r"\s+of\s+")
LIST_SEPARATOR = re.compile(r"^(?:\s*,\s*|\s*,?\s*(?:and|or|as well as|plus|&)\s+(?:the\s+)?|\s+)$")
CONJUNCTION = re.compile(r"\b(?:and|or|as well as|plus)\b|&")
HEADING = re.compile(r"^\s*([^:.!?]{2,80}):(\s|$)")
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?"
_DATE = rf"(?:{_MONTH} \d{{1,2}}(?:,? \d{{4}})?|\d{{1,2}} {_MONTH} \d{{4}}|\d{{4}}-\d\d-\d\d)"
# "La Paz, Oct 26, 2019", "CARACAS, Venezuela, July 29 (Reuters) -", "Brasília (AFP) —": a
# place (capitalised words), then a date and/or a news agency in brackets, then a dash or the end.
# A word never ends with the "," or " " that follows it: its quantifiers are possessive, so
# a failed match does not retry every shorter word.
DATELINE = re.compile(rf"^\s*[A-Z][\w.'-]*+(?:,? [A-Z][\w.'-]*+)*"
                      rf"(?:,? {_DATE}(?: \([^)]{{2,30}}\))?| \([^)]{{2,30}}\))\s*(?:[-—–]+|$)")
HEADING_FILLER = re.compile(r"(?i)\b(?:and|or|the)\b|[,&\s]|^[-–—*•·]+")
# A country or organisation named by a person's title ("Chile's president", "Syrian President")
# is a person antecedent of either gender: "his government" after it is that country's.
TITLE_PHRASE = re.compile(r"(?i)(?:president|leader|minister|premier|chancellor|envoy|ambassador|secretary"
                          r"|spokes(?:man|woman|person)|chief|head of state)$")
_TITLES = (r"President|Vice President|Prime Minister|Foreign Minister|Minister|Secretary|Senator|Sen\.|Rep\."
           r"|Governor|Gov\.|Gen\.|Ambassador|Chancellor|Judge|Pope|King|Queen|Prince"
           r"|Archbishop|Cardinal|Mrs?\.?|Ms\.?|Dr\.?")
# Capitalised words after a title that are no one's name ("Secretary General", "Minister Council").
NOT_NAMES = frozenset({"General", "Assembly", "Council", "Court", "Office", "Department", "House", "Palace",
                       "Party", "Ministry", "Committee", "Commission", "Of", "And", "The", "Elect"})
# A titled name ("President Bashar al-Assad", "Mr. Smith"): a person, known when a mention
# covers the name, otherwise an unknown person who blocks pronouns from guessing past him.
TITLED_NAME = re.compile(rf"\b(?P<title>{_TITLES})(?:\s+(?:{_TITLES}|of State))*\s+(?P<name>[A-Z][\w'-]+)")
TITLE_GENDER = {"mr": "m", "king": "m", "prince": "m", "mrs": "f", "ms": "f", "queen": "f"}


# Words of which each phrase needs one (lower-cased): a sentence without any is not scanned
# for that phrase. Most sentences have none, and the scans were half the coreference time.
SENTENCE_WORD = re.compile(r"[a-z]+")
PERSON_PRONOUN_WORDS = frozenset(PRONOUN_GENDER)
THEY_WORDS = frozenset({"they"})
GROUP_WORDS = frozenset({*COUNTS, "these", "those", "each", *_THE_GROUP_NOUNS})
GOVERNMENT_WORDS = frozenset({"government", "administration"})

# --- Features ---------------------------------------------------------------------------

TOKEN = re.compile(r"'s\b|n't\b|[a-z0-9]+(?:[-'][a-z0-9]+)*|\x00\d+\x00|[^\w\s]")
NEGATORS = frozenset({"not", "n't", "never", "no", "without", "neither", "nor", "refused", "refuses", "refuse",
                      "declined", "declines", "decline", "cannot", "failed", "fails", "rather", "instead", "nothing"})
# Not ":": it introduces a list, a quote or an elaboration of the same clause ("Two leaders
# attended: Cuba's and Nicaragua's").
CLAUSE_BREAKS = frozenset({";", "while", "whereas", "but", "although", "though", "however", "meanwhile",
                           "yet", "—", "whilst", "unlike"})
CONDITIONS = frozenset({"until", "unless", "if", "once", "provided", "conditioned", "pending", "before", "only"})
PREPOSITIONS = frozenset({"to", "for", "on", "against", "with", "from", "of", "at", "in", "into", "toward",
                          "towards", "over", "about", "between", "among", "upon", "onto"})
SPEECH = frozenset({"said", "says", "told", "added", "stated", "declared", "insisted", "wrote", "posted", "argued",
                    "warned", "announced", "tweeted", "claimed", "claims", "stressed", "noted", "replied",
                    "responded", "affirmed", "asserted", "according"})
QUOTES = frozenset({'"', "“", "”", "«", "»"})
PUNCT = frozenset(",.;:!?()[]\"“”«»—-")
LEFT_FILLERS = PUNCT | {"and", "the", "however", "meanwhile", "also"}
SPEAKER_BEFORE = QUOTES | {","}
# A copula just before an actor, also as negation marks it after "do not recognise PRO".
_COPULAS = frozenset({"are", "were", "is", "was", "include", "includes", "included"})
COPULAS = _COPULAS | {"not_" + word for word in _COPULAS}
VOTE_VERBS = frozenset({"voted", "voting", "vote", "votes"})
# After these a vote word is a noun, not a vote cast: "hailed the result as a vote for stability",
# "47 percent of the vote against 36 percent".
VOTE_DETERMINERS = frozenset({"a", "an", "the", "this", "that"})
VOTE_FOR = frozenset({"for", "favour", "favor"})
VOTE_AGAINST = frozenset({"against"})
ABSTENTIONS = frozenset({"abstained", "abstaining", "abstain", "abstains", "abstention", "abstentions"})
SPONSORSHIPS = frozenset({"co-sponsored", "cosponsored", "sponsored", "co-sponsor", "co-sponsors", "co-signed",
                          "cosigned", "signatories", "signatory"})
URGING_VERBS = frozenset({"urged", "urges", "urging", "urge", "called", "calls", "calling", "call", "asked", "asks",
                          "asking", "pressed", "presses", "pressing", "pushed", "pushes", "pushing", "hopes", "hoped",
                          "hope", "hoping", "wants", "wanted", "expects", "expected", "encouraged", "encourages",
                          "encouraging", "invited", "invites", "appealed", "appeals", "requested", "requests",
                          "exhorted", "implored", "pressured", "pressuring", "begged", "challenged", "told"})
URGING_PARTICLES = frozenset({"on", "upon", "to"})
MOTION_NOUNS = frozenset({"resolution", "resolutions", "motion", "draft", "declaration", "text", "measure",
                          "proposal", "bill", "amendment"})

# The vocabulary of a dispute over who holds power, of any country and any side: its
# elections, offices, institutions, protests, pressure and diplomacy; not the generic verbs
# of news ("announced", "sent", "warned"), which carry a stance only with such words near.
TOPIC_WORDS = (
    "elect", "re-elect", "reelect", "vote", "voting", "voter", "ballot", "poll", "result", "count", "tall", "win",
    "won", "victor", "defeat", "lost", "lose", "losing", "presiden", "head", "government", "regime",
    "administration", "opposition", "rival", "candidate", "incumbent", "successor", "recogni", "legitima",
    "illegitima", "proclam", "inaugura", "sworn", "mandate", "term", "office", "power", "transition", "coup",
    "fraud", "rig", "stolen", "steal", "observer", "monitor", "mission", "dispute", "contest", "crisis",
    "protest", "demonstrat", "march", "rally", "crowd", "clash", "violen", "unrest", "crackdown", "repress",
    "arrest", "detain", "prison", "release", "capture", "exile", "asylum", "democra", "dictat", "autocra",
    "constitution", "legal", "law", "right", "freedom", "people", "citizen", "sovereign", "interfer",
    "imperial", "solidarity", "mediat", "dialogue", "talks", "negotiat", "congratul", "condemn", "denounc",
    "reject", "support", "back", "endors", "oppos", "critici", "urg", "demand", "accept", "refus", "respect",
    "sanction", "court", "tribunal", "parliament", "congress", "assembly", "ambassador", "envoy", "relations",
    "ties", "expel", "recall",
)
TOPIC = re.compile(rf"(?:^| )(?!pollut)(?:{trie_regex(TOPIC_WORDS)})")

# --- Actors beyond the dictionary -------------------------------------------------------

# Words that make a title; heads end one ("minister", "spokesperson"), modifiers may come
# before them ("foreign", "deputy", "treasury"). Case-insensitive: "foreign minister X",
# "Foreign Minister X".
TITLE_HEAD_LIST = (
    "president", "vice president", "vice-president", "prime minister", "minister", "secretary", "secretary general",
    "secretary-general", "spokesman", "spokeswoman", "spokesperson", "ambassador", "senator", "sen.", "mep",
    "congressman", "congresswoman", "representative", "rep.", "deputy", "governor", "chancellor", "premier", "envoy",
    "director", "director general", "director-general", "chief", "head", "chair", "chairman", "chairwoman",
    "chairperson", "attorney general", "prosecutor", "judge", "lawmaker", "legislator", "mayor", "commissioner",
    "pope", "king", "queen", "prince", "sheikh", "emir", "cardinal", "archbishop", "adviser", "advisor",
    "coordinator", "rapporteur", "diplomat", "official", "leader", "commander", "general", "gen.", "counsellor",
    "councillor", "high representative", "special representative", "candidate", "speaker", "ombudsman",
    "ombudsperson",
)
_TITLE_HEADS = "|".join(re.escape(h) for h in sorted(TITLE_HEAD_LIST, key=len, reverse=True))
_TITLE_MODIFIERS = (
    r"foreign|deputy|vice|prime|interior|defen[cs]e|justice|finance|treasury|trade|economy|state|home|security"
    r"|acting|interim|senior|chief|first|affairs|external|executive|ministry|government|presidential|press"
    r"|federal|national|policy|assistant|under|special|top|opposition|party|mission|electoral|election|regional"
    r"|permanent|u\.s\.|us|eu|un|oas|foreign-affairs|human|rights|communications|information|secretary|cabinet"
)
_TITLE = rf"(?i:(?:(?:{_TITLE_MODIFIERS})\s+){{0,4}}(?:{_TITLE_HEADS}))"
# An extension naming the office: "Secretary of State", "Minister for Foreign Affairs", "spokesperson
# for the Foreign Ministry". The name after it must not start with one of these words.
_OFFICE = r"(?:\s+(?:of|for)\s+(?:the\s+)?[A-Z][\w'-]*(?:\s+(?:and\s+)?[A-Z][\w'-]*){0,2})?"
_PARTICLES = (r"(?:da|de|del|della|di|do|dos|das|du|la|le|van|von|der|den|ter|bin|ibn|al|el|y|e"
              r"|van der|von der|de la|de los|de las)")
# A word of a name; Arabic surnames keep their article: "Bashar al-Assad", "Abdel Fattah el-Sisi".
_TOKEN = r"(?:(?:al|el|ad|ar|as|ash|at|an|ul)-)?[A-Z][\w'’.-]*"
NAME = rf"{_TOKEN}(?:\s+(?:{_PARTICLES}\s+)?{_TOKEN}){{1,3}}"
# Words that are never a person's first name or surname after a title.
NOT_PERSON_NAMES = frozenset({
    "General", "Assembly", "Council", "Court", "Office", "Department", "House", "Palace", "Party", "Ministry",
    "Committee", "Commission", "Of", "And", "The", "Elect", "Affairs", "State", "Foreign", "Defense", "Defence",
    "Justice", "Treasury", "Interior", "Minister", "Secretary", "President", "Monday", "Tuesday", "Wednesday",
    "Thursday", "Friday", "Saturday", "Sunday", "January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December", "On", "In", "At", "For", "But", "He", "She", "They",
    "It", "We", "I", "A", "An", "This", "That", "These", "Those", "Union", "Nations", "States", "Republic",
    "Government", "Parliament", "Congress", "Senate", "Embassy", "Mission", "Bank", "Center", "Centre",
    "Church", "Group", "Security", "Systems", "Press", "News", "Times", "Post", "Association", "University",
    "Company", "Corporation", "Airlines", "Forces", "Police", "Army", "Navy", "Guard", "Media", "Television",
    "Radio", "Agency", "America", "Americas", "Presidency",
})
# Before a capitalised phrase, a preposition makes it a place or an object ("its correspondent
# in Santa Cruz said", "relations with South America called") and an article a body ("The
# Frente Amplio said"): not a person who speaks.
NOT_SPEAKER_BEFORE = re.compile(
    r"(?:\b(?:in|at|from|with|to|for|near|outside|inside|across|throughout)\s+(?:the\s+)?|\b[Tt]he\s+)$")


def _cased(words: Sequence[str]) -> list[str]:
    """Each phrase in lower case, capitalised and in capitals ("foreign minister", "Foreign
    Minister", "FOREIGN MINISTER"): a trie of them is faster than ``(?i:...)``."""
    def capitalised(phrase: str) -> str:
        return re.sub(r"(^|[ -])(\w)", lambda m: m[1] + m[2].upper(), phrase)

    return [form for w in words for form in (w, capitalised(w), w.upper())]


TITLE_HEAD_WORDS = frozenset(TITLE_HEAD_LIST)
TITLE_HEAD = re.compile(rf"(?<![\w-])(?:{trie_regex(_cased(TITLE_HEAD_LIST))})(?![\w-])")
TITLE_NAME = re.compile(rf"{_OFFICE}(?:,)?\s+(?P<name>{NAME})")
# A name that speaks or acts, with no title ("Ana Ruiz said", "Luis Galarreta, her running mate,
# rejected"): the verbs of statements and of the acts that carry a stance.
_ACTS = ("said|says|told|tells|added|stated|wrote|declared|announced|insisted|argued|alleged|claimed|claims|warned"
         "|tweeted|posted|rejected|rejects|accused|called|urged|asked|demanded|denounced|condemned|critici[sz]ed"
         "|questioned|dismissed|denied|refused|congratulated|congratulates|recogni[sz]ed|praised|welcomed|hailed"
         "|thanked|backed|supported|defended|proclaimed|conceded|vowed|pledged|promised|offered|expressed|described"
         "|signed|met")
NAME_SPEAKS = re.compile(rf"(?<![\w'’-])(?P<name>{NAME})(?:,[^,]{{3,80}},)?\s+(?:has\s+|had\s+|also\s+|later\s+)?"
                         rf"(?:{_ACTS})\b")
JOINS_TITLE = re.compile(r"(?:['’]s)?\s*")  # between a country and its title: "Peru's Foreign Minister"
OF_AFTER_NAME = re.compile(r"\s+of\s+")
# "Lin Jian, a spokesperson for ...": a name, a comma, an article and up to four words before a title's head.
DESCRIBED_NAME = re.compile(rf"(?<![\w'’-])(?P<name>{NAME}),\s+(?:a|an|the)\s+(?:[\w'’.-]+\s+){{0,4}}$")
TITLE_MODIFIERS_BEFORE = re.compile(rf"(?<![\w-])(?i:(?:(?:{_TITLE_MODIFIERS})\s+){{1,4}})$")
# Styled by a title and one name: "Pope Leo XIV", "King Charles", "Sheikh Tamim".
REGNAL = re.compile(r"(?<![\w-])(?P<name>(?:Pope|King|Queen|Prince|Princess|Sheikh|Emir) [A-Z][a-z]+(?: [IVX]+\b)?)(?! [A-Z])")
# Apposition around a title phrase of the dictionary ("Brazil's foreign minister"): the name before it
# ("Mauro Vieira, Brazil's foreign minister,") or after it ("Brazil's foreign minister, Mauro Vieira,").
NAME_BEFORE = re.compile(rf"(?<![\w'’-])(?P<name>{NAME}),\s+(?:the\s+|a\s+)?$")
NAME_AFTER = re.compile(rf",?\s+(?P<name>{NAME})(?=\s*[,.;:)]|\s+[a-z]|\s*$)")
TITLE_AFTER_MENTION = re.compile(rf"(?:'s)?\s+{_TITLE}\b")
FORMER_NEAR = re.compile(rf"\b(?:[Ff]ormer|[Ee]x-|[Tt]hen-|{NOT_YET})\s*(?:[\w'’.-]+\s+){{0,3}}$")
DEMONYM_BEFORE = re.compile(r"([A-Z][\w-]+)\s+$")
FEMALE_TITLES = re.compile(r"(?i)\b(?:spokeswoman|congresswoman|chairwoman|queen|mrs|ms)\b")
MALE_TITLES = re.compile(r"(?i)\b(?:spokesman|congressman|chairman|king|prince|mr|sheikh|emir|pope)\b")

# Bodies: a capitalised phrase whose last word (before an "of ..." complement) is one of these.
_ORG_HEADS = {
    "Parliament": "institution", "Congress": "institution", "Senate": "institution", "Court": "institution",
    "Tribunal": "institution", "Jury": "institution", "Assembly": "institution", "Chamber": "institution",
    "Ombudsman": "institution",
    "Ministry": "institution", "Council": "institution", "Commission": "institution", "Board": "institution",
    "Party": "group", "Front": "group", "Movement": "group", "Alliance": "group", "Coalition": "group",
    "Caucus": "group", "Bloc": "group", "Cartel": "group", "Center": "organisation", "Centre": "organisation",
    "Foundation": "organisation", "Mission": "organisation", "Institute": "organisation",
    "Committee": "organisation", "Watch": "organisation", "Observatory": "organisation",
    "Organization": "organisation", "Organisation": "organisation", "Federation": "organisation",
    "Network": "organisation", "Agency": "organisation", "Community": "organisation", "League": "group",
}
_CAP = r"[A-Z][\w'’-]*"
# "the Council on Foreign Relations" but not "the Council on Monday": wire copy dates the act.
_NOT_A_COMPLEMENT = r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day|January|February|March|April|May|June|July|August" \
    r"|September|October|November|December"
ORGANISATION = re.compile(
    rf"(?<![\w'’-])(?P<body>(?:{_CAP}\s+){{0,4}}(?P<head>{'|'.join(_ORG_HEADS)})\b"
    rf"(?:\s+(?:of|for|on)\s+(?:the\s+)?(?!(?:{_NOT_A_COMPLEMENT})\b){_CAP}(?:\s+(?:and\s+)?{_CAP}){{0,3}})?)(?:\s+\((?P<short>[A-Z][A-Za-z]{{1,7}})\))?")
BODY_HEAD = re.compile(rf"\b(?:{'|'.join(_ORG_HEADS)})\b")
BODY_START = re.compile(rf"(?<![\w'’-])(?:{_CAP}\s+){{1,4}}$")

SKIP_ORG_WORDS = frozenset({"The", "A", "An", "On", "In", "At", "But", "And", "Both", "Speaking", "With", "For",
                            "From", "Meanwhile", "Former", "By", "To", "As", "After", "Before", "Its", "His", "Her",
                            "Their", "This", "That"})
# Bodies that an article about the event means as its country's when it names no country ("the
# Constitutional Court"). Not ministries: "the Foreign Ministry" is as often a foreign one.
HOME_BODIES = frozenset({"Court", "Tribunal", "Jury", "Congress", "Parliament", "Assembly", "Senate"})
POSSESSIVE = re.compile(r"([A-Z][\w-]*)['’]s\s+")
# Words of a body's name that say what it is, not whose it is: "the Foreign Ministry" needs a country.
GENERIC_WORDS = frozenset({"Foreign", "Justice", "Interior", "Defense", "Defence", "Finance", "Supreme", "Constitutional",
                           "Electoral", "National", "Federal", "High", "Security", "Legislative", "Plurinational",
                           "Upper", "Lower", "Ruling", "Governing", "Election", "Elections", "Health", "Economy",
                           "Communications", "Information", "Presidential", "Permanent"})


PACK = LanguagePack(
    code="en",
    name="English",
    abbreviations=ABBREVIATIONS,
    sentence_starters=SENTENCE_STARTERS,
    date_line=DATE_LINE,
    months=MONTHS,
    actors=ActorRules(
        demonym_phrases=DEMONYM_PHRASES, country_phrases=COUNTRY_PHRASES, former=FORMER, former_reach=FORMER_REACH,
        stop_aliases=STOP_ALIASES, not_first_names=_NOT_FIRST_NAMES, venue_before=VENUE_BEFORE,
        venue_reach=VENUE_REACH, venue_preposition=_VENUE_PREPOSITION, actor_nouns=_ACTOR_NOUNS,
        posted_nouns=_POSTED_NOUNS,
        place_name=_PLACE_NAME, venue_after=_VENUE_AFTER, phrase_end=PHRASE_END, article="the ",
        home_noun="the country", home_possessive="'s ",
    ),
    coreference=CoreferenceRules(
        person_pronoun=PERSON_PRONOUN, pronoun_gender=PRONOUN_GENDER, they=THEY, counts=COUNTS,
        state_nouns=STATE_NOUNS, group=GROUP, government=GOVERNMENT, government_after=GOVERNMENT_AFTER, of=OF,
        list_separator=LIST_SEPARATOR, conjunction=CONJUNCTION, heading=HEADING, dateline=DATELINE,
        heading_filler=HEADING_FILLER, title_phrase=TITLE_PHRASE, not_names=NOT_NAMES, titled_name=TITLED_NAME,
        title_gender=TITLE_GENDER, sentence_word=SENTENCE_WORD, person_pronoun_words=PERSON_PRONOUN_WORDS,
        they_words=THEY_WORDS, group_words=GROUP_WORDS, government_words=GOVERNMENT_WORDS,
        government_word="government", they_word="they",
    ),
    features=FeatureWords(
        token=TOKEN, negators=NEGATORS, negation_suffix="n't", clause_breaks=CLAUSE_BREAKS, conditions=CONDITIONS,
        prepositions=PREPOSITIONS, speech=SPEECH, quotes=QUOTES, punct=PUNCT, left_fillers=LEFT_FILLERS,
        speaker_before=SPEAKER_BEFORE, by="by", to="to", according="according", possessive="'s",
        vote_verbs=VOTE_VERBS, vote_determiners=VOTE_DETERMINERS, vote_for=VOTE_FOR, vote_against=VOTE_AGAINST,
        abstentions=ABSTENTIONS, sponsorships=SPONSORSHIPS, motion_nouns=MOTION_NOUNS, urging_verbs=URGING_VERBS,
        urging_particles=URGING_PARTICLES, copulas=COPULAS, topic=TOPIC,
    ),
    open_world=OpenWorldRules(
        title_head_words=TITLE_HEAD_WORDS, title_head=TITLE_HEAD, title_name=TITLE_NAME, name_speaks=NAME_SPEAKS,
        not_speaker_before=NOT_SPEAKER_BEFORE,
        joins_title=JOINS_TITLE, of_after_name=OF_AFTER_NAME, described_name=DESCRIBED_NAME,
        title_modifiers_before=TITLE_MODIFIERS_BEFORE, regnal=REGNAL, name_before=NAME_BEFORE, name_after=NAME_AFTER,
        title_after_mention=TITLE_AFTER_MENTION, former_near=FORMER_NEAR, demonym_before=DEMONYM_BEFORE,
        female_titles=FEMALE_TITLES, male_titles=MALE_TITLES, not_names=NOT_PERSON_NAMES, org_heads=_ORG_HEADS,
        organisation=ORGANISATION, body_head=BODY_HEAD, body_start=BODY_START, skip_org_words=SKIP_ORG_WORDS,
        home_bodies=HOME_BODIES, possessive=POSSESSIVE, generic_words=GENERIC_WORDS,
    ),
    sentiment_baseline="vader",
)
