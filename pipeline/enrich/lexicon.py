"""Closed word lists used by the quote and speaker rules (all lower case)."""
from __future__ import annotations


def _forms(*stems: str) -> frozenset[str]:
    return frozenset(w for stem in stems for w in stem.split("/"))


# Verbs that introduce or attribute speech, writing or a characterisation, in the forms used in
# news prose; "/" separates the forms of one verb.
SPEECH_VERBS = _forms(
    "say/said/says/saying", "told/tells/telling", "write/wrote/writes/writing",
    "add/added/adds/adding", "declare/declared/declares/declaring", "insist/insisted/insists/insisting",
    "stated", "explain/explained/explains/explaining", "note/noted/notes/noting",
    "argue/argued/argues/arguing", "claim/claimed/claims/claiming", "ask/asked/asks/asking",
    "reply/replied/replies/replying", "respond/responded/responds/responding",
    "continue/continued/continues", "recall/recalled/recalls/recalling", "warn/warned/warns/warning",
    "announce/announced/announces/announcing", "tweet/tweeted/tweets/tweeting", "posted",
    "acknowledge/acknowledged/acknowledges/acknowledging", "admit/admitted/admits/admitting",
    "concede/conceded/concedes", "suggest/suggested/suggests/suggesting", "observed", "remarked",
    "commented", "emphasize/emphasized/emphasised/emphasizing", "stress/stressed/stresses",
    "complain/complained/complains/complaining", "predict/predicted/predicts", "promise/promised/promises",
    "vow/vowed/vows/vowing", "urge/urged/urges/urging", "countered", "quipped", "joked", "shout/shouted",
    "yell/yelled/yells", "scream/screamed", "sing/sang/sings", "chant/chanted", "testified", "report/reported/reports", "concluded", "cautioned",
    "describe/described/describes/describing", "call/called/calls/calling", "praise/praised/praises/praising",
    "criticize/criticized/criticised/criticizes/criticizing", "deny/denied/denies/denying",
    "hint/hinted/hints/hinting", "dub/dubbed/dubs", "labeled/labelled", "termed", "liken/likened/likening",
    "accuse/accused/accuses/accusing", "blame/blamed/blames/blaming", "denounce/denounced/denouncing",
    "condemn/condemned/condemns/condemning", "proclaim/proclaimed", "boast/boasted/boasting",
    "mock/mocked/mocking", "slam/slammed/slams", "blast/blasted", "assert/asserted/asserts",
    "maintain/maintained/maintains", "contend/contended/contends", "charged", "demand/demanded/demands",
    "pledge/pledged/pledges", "referred/refers", "rated", "writes", "read/reads", "explains", "thinks",
)
# Speech verbs that can follow a closing quote to attribute it ("...," Smith said / said Smith).
ATTRIBUTING_VERBS = frozenset(
    w for w in SPEECH_VERBS if not w.endswith("ing") and w not in {"call", "calls", "called", "describe",
                                                                    "described", "describes"}
)
PRONOUNS = frozenset({"he", "she", "they", "it", "we", "i", "you"})
PERSON_PRONOUNS = frozenset({"he", "she", "him", "her"})
DETERMINERS = frozenset({"the", "a", "an", "his", "her", "its", "their", "our", "my", "your",
                         "another", "one", "some", "many", "several", "two"})
# Words that end a noun phrase when met while collecting its words.
NP_STOP = frozenset(
    """
    that which who whom whose and but or nor so because when while where if as than then in on at to
    from by with about into after before since during also has have had is was were are be been being
    will would could should may might can cannot not n't do does did later again still just
    even already never always often only there here it's said says told what whatever how why
    """.split()
)
# Words skipped between a speaker and the speech verb ("Smith also said", "he had told").
BETWEEN_SPEAKER_AND_VERB = frozenset(
    """
    also later then again has have had was were is would will could once previously recently now
    repeatedly reportedly publicly privately quickly further first last earlier frequently often
    """.split()
)
# Capitalised words that start a sentence without being part of its subject.
SENTENCE_OPENERS = frozenset(
    """
    but and so yet still also then now however meanwhile moreover instead later earlier last
    in on at after before during when while although though if as since despite for with without
    speaking asked according separately nevertheless indeed today yesterday this that to once
    whatever all more most only
    """.split()
)
# Nouns that refer back to a titled person ("the president") or an organisation ("the ministry").
PERSON_TITLES = frozenset(
    """
    president mayor senator governor minister chancellor secretary general judge spokesman
    spokeswoman spokesperson candidate nominee congressman congresswoman ambassador chief leader
    director chairman premier king queen prince pope official
    """.split()
)
ORG_NOUNS = frozenset(
    """
    ministry company agency department campaign committee government office party group firm bank
    council court commission police army military administration union organization organisation
    embassy foundation institute university network newspaper paper federation association league
    authority service board trust society alliance coalition club team orchestra operator airline
    lender insurer carrier regulator retailer carmaker
    """.split()
)
WEEKDAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday today yesterday".split())
# Nouns for people by what they do, which can be the source of a quotation ("a spokeswoman",
# "officials", "the lawyer"); plural forms are matched by dropping a final "s".
ROLE_NOUNS = frozenset(
    """
    official spokesman spokeswoman spokesperson aide adviser advisor lawyer attorney analyst expert
    economist researcher scientist doctor witness resident voter supporter critic protester activist
    lawmaker legislator senator representative prosecutor investigator detective officer agent
    reporter journalist editor author writer columnist historian professor teacher student parent
    worker employee executive manager founder owner investor lobbyist strategist pollster consultant
    diplomat negotiator source insider observer commentator host anchor guest reader viewer fan
    member leader chief head boss coach player organizer organiser campaigner advocate candidate
    democrat republican conservative liberal progressive nominee officials people neighbor neighbour
    friend relative wife husband mother father son daughter sister brother family victim survivor
    """.split()
)
# Nouns for texts that can be the source of a quotation (then speaker_type is 'document') but
# are never a person or an organisation: "the statement said", "according to the report".
DOCUMENT_NOUNS = frozenset(
    """
    statement report memo memorandum letter filing brief bylaws complaint lawsuit indictment ruling
    order opinion decision study survey poll document release announcement email e-mail tweet post
    message note transcript analysis audit review paper article editorial column website ad advert
    advertisement video book blog newsletter notice plan proposal bill law resolution guidance
    finding findings data record records
    """.split()
)

# Services people post on: where words were said, not who said them.
PLATFORMS = frozenset(
    """instagram twitter x facebook youtube tiktok linkedin telegram snapchat reddit whatsapp threads
    bluesky mastodon weibo wechat substack medium truth social gettr parler rumble""".split()
) | {"truth social"}
# Last words that make a name an institution whatever the recogniser says ("Senate", "the
# Federal Reserve Board", "Wells Fargo Bank").
INSTITUTION_WORDS = frozenset(
    """
    senate congress parliament assembly house ministry department agency commission committee council
    court bank corp corporation inc ltd plc llc company party police army navy reserve board bureau
    university college school institute foundation association union federation fund times post
    journal news network
    """.split()
)
