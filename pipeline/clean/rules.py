"""The boilerplate rules, as data.

Each rule judges one whole line of an already-extracted body (whitespace already
normalised). A line is removed by the FIRST rule in `RULES` that matches it, so the order
below is part of the specification: more specific prompts come before broader ones.

Precision comes from shape, not from keywords alone: every pattern is anchored to the
whole line, and `max_words` keeps a rule from ever firing on a long line, because real
paragraphs that merely mention cookies, logging in or tags are long sentences.

`zone="head"` rules only apply before the first real paragraph (bylines, reading time):
the same words later in an article are more likely to be content.

The repeated headline is not a pattern: it compares lines with the title (see
pipeline/clean/headline.py). Its examples are (title, line) pairs.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

Example = str | tuple[str, str]


@dataclass(frozen=True)
class Rule:
    name: str
    description: str
    pattern: re.Pattern[str] | None
    max_words: int = 15
    zone: str = "anywhere"          # "anywhere" or "head"
    examples: tuple[Example, ...] = field(default_factory=tuple)
    counterexamples: tuple[Example, ...] = field(default_factory=tuple)


def _rx(source: str, flags: int = re.IGNORECASE) -> re.Pattern[str]:
    return re.compile(source, flags | re.VERBOSE)


_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
          r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_WEEKDAY = r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|sday|nesday|rsday|urday)?\.?"
_TIMEZONE = r"(?:gmt|utc|bst|cet|cest|est|edt|cst|cdt|pst|pdt|ist|aest|jst|z)"
# Numbers only in the shapes dates and times take, so that phone numbers and scores stay.
# In a line, a token never ends between two digits (`(?!(?<=\d)\d)` below): a run of digits
# split into tokens every possible way made one line of 30 digits take minutes. (Likewise a share
# counter's number takes all its digits, `*+`, and social_links matches a space one way only.)
_DATE_TOKEN = (rf"(?:\d{{4}}-\d\d-\d\dT[\d:.]+(?:Z|[+-]\d\d:?\d\d)?|{_MONTH}|{_WEEKDAY}|{_TIMEZONE}"
               r"|\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}|\d{4}-\d\d-\d\d|\d{1,2}[:.]\d\d(?::\d\d)?|\d{1,4}(?:st|nd|rd|th)?"
               r"|[+-]\d\d:?\d\d|a\.?m\.?|p\.?m\.?|at|on|of)")
_NETWORK = (r"(?:facebook|twitter|x|instagram|tiktok|youtube|linkedin|threads|whatsapp|telegram"
            r"|bluesky|mastodon|pinterest|reddit|snapchat|google\s+news|flipboard)")
# A name word: capitalised, allowing initials, hyphens and apostrophes (O'Neill, Jean-Paul, J.).
_NAME = r"[A-Z][\w.'’\-]*"
_NAMES = rf"{_NAME}(?:\s+{_NAME}){{0,3}}"
_CREDIT = (rf"(?i:(?:additional\s+)?(?:reporting|writing|editing|compiled|produced|research))\s+by\s+"
           rf"{_NAMES}(?:\s*(?:,|and|&)\s*{_NAMES})*(?:\s+in\s+{_NAMES})?")
_ROLE = (r"(?:(?:senior|chief|staff|political|business|sports?|science|health|local|foreign|economics"
         r"|education|environment|technology|deputy|associate|contributing|special|city|news)\s+)*"
         r"(?:writers?|reporters?|correspondents?|editors?|journalists?|contributors?|columnists?)")

RULES: tuple[Rule, ...] = (
    Rule(
        name="repeated_headline",
        description="The title repeated at the top of the body (any number of times).",
        pattern=None,
        max_words=40,
        zone="head",
        examples=(
            ("Council Backs New Tram Line", "Council Backs New Tram Line"),
            ("Council backs new tram line", "COUNCIL BACKS NEW TRAM LINE"),
            ("Council Backs New Tram Line | The Ledger", "Council Backs New Tram Line"),
        ),
        counterexamples=(
            ("Council Backs New Tram Line",
             "The council backs the new tram line, its leader said on Monday after a long debate."),
        ),
    ),
    Rule(
        name="timestamp",
        description="A line holding only a date and/or time, optionally 'Published'/'Updated'.",
        pattern=_rx(rf"""
            (?:(?:first\s+)?(?:published|updated|last\s+updated|posted|modified)(?:\s+on|\s+at)?\s*:?\s*)?
            (?:(?=.*(?:\d{{4}}|\d[:/.\-]\d|{_MONTH}))(?:{_DATE_TOKEN}(?!(?<=\d)\d)(?:\s*[,|·•]\s*|\s+[\-–—]\s+|\s*))+
              | \d+\s+(?:minutes?|mins?|hours?|hrs?|days?|weeks?)\s+ago
              | just\s+now|yesterday|today)"""),
        max_words=14,
        examples=("Published: 12 March 2026, 09:14 GMT", "Updated 3:45 PM EST, Tue March 3, 2026",
                  "March 3, 2026", "2026-03-03 14:05", "12 hours ago", "Posted: 3 days ago",
                  "Last updated on 4 March 2026",
                  "Wednesday 25 November 2026 | 08:30", "2026-11-25T08:30:00Z", "6:05 p.m.",
                  "Tuesday - 3 March 2026 - 3:45PM"),
        counterexamples=("March 3 was the wettest day on record in Cardiff.", "02-751-1500", "3-1",
                         "Updated figures show 4,200 homes were flooded in 2024.",
                         "May 2026 be kinder to us all, the mayor wrote."),
    ),
    Rule(
        name="byline",
        description="Author line, staff role or reading time before the first paragraph.",
        pattern=_rx(rf"""
            (?i:by|written\s+by|words\s+by)\s+{_NAMES}(?:\s*(?:,|(?i:and)|&)\s*{_NAMES})*
                (?:\s*[|·—–]\s*[^.!?]{{0,60}}|\s*,\s*{_NAME}(?:\s+{_NAME}){{0,4}})?
            | {_NAMES}\s*[|·—–,]\s*(?i:{_ROLE})(?:\s*[|·—–,]\s*[^.!?]{{0,40}})?
            | (?i:{_ROLE})
            | (?i:\d{{1,2}}\s*(?:-\s*)?min(?:ute)?s?\s+read|reading\s+time\s*:?\s*\d{{1,2}}\s*min(?:ute)?s?)""",
            flags=0),
        max_words=14,
        zone="head",
        examples=("By Jane Doe", "By Jane Doe | Staff Writer", "By Jane Doe and Tom O'Neill, Reuters",
                  "Jane Doe, Political Correspondent", "Staff Writer", "5 min read",
                  "Reading time: 4 minutes", "By J. R. Okafor · Business Editor"),
        counterexamples=("By noon, more than 3,000 people had gathered outside the court.",
                         "By Friday the river had burst its banks at four points along the valley.",
                         "By Tuesday, the water had receded from most of the high street."),
    ),
    Rule(
        name="share_counter",
        description="Share buttons and their counters: bare numbers, 'Share 0 Tweet 0', '12 Shares'.",
        pattern=_rx(rf"""
            (?=.*\d)(?:(?:\d[\d,.]*+[km]?|shares?|shared|tweets?|pin|email|e-mail|print|comments?|likes?
                |views?|reactions?|{_NETWORK})\s*[:|·•/]?\s*)+"""),
        max_words=12,
        examples=("0 0", "12 Shares", "Share 0 Tweet 0", "1.2K", "Facebook 14 Twitter 3 Email",
                  "0 Comments", "3 4 0"),
        counterexamples=("Shares in the company rose 12 per cent to 340p.",
                         "Turnout was 61.4 per cent, up from 58.9 per cent in 2021.",
                         "12 people were taken to hospital."),
    ),
    Rule(
        name="login_prompt",
        description="Prompts to log in or sign in (to comment, like, read on).",
        pattern=_rx(r"""
            (?:to\s+(?:comment|like|reply|post|vote|react|follow|bookmark|save)\b[^.]{0,40}?\s+)?
                (?:please\s+)?(?:log\s?in|sign\s?in|login)(?:\s+(?:to|first|here|now|below|with|for|or|and)\b.{0,60}|[\s.!…]*)
            | (?:log\s?in|login|sign\s?in)\s*(?:/|\||or|&)\s*(?:register|sign\s?up|subscribe|join)
            | (?:you\s+(?:must|need\s+to)\s+be|please\s+be)\s+(?:logged|signed)\s+in\b.{0,60}
            | already\s+(?:have\s+an\s+account|registered|a\s+(?:subscriber|member))\??\s*(?:log\s?in|sign\s?in)\b.{0,20}"""),
        max_words=14,
        examples=("To comment or like please login first....", "Login/Register", "Sign in to comment",
                  "Log in to leave a comment", "You must be logged in to post a comment.",
                  "Already have an account? Sign in", "Please log in to continue reading",
                  "Already a subscriber? Log in here"),
        counterexamples=('"I could not even log in to the tax portal for three days," said Marta Ruiz.',
                         "Log-in problems hit the bank's app for a third day, customers said on Tuesday "
                         "as complaints passed 10,000.",
                         "Sign-in sheets at the clinic showed 40 patients had waited more than four hours."),
    ),
    Rule(
        name="newsletter",
        description="Newsletter sign-up boxes.",
        pattern=_rx(r"""
            (?:(?:click|tap)\s+here\s+to\s+)?(?:sign\s+up|subscribe|register)\s+(?:for|to)\s+(?:our|the|my)?\b
                .{0,40}\bnewsletters?\b.{0,80}
            | (?:get|receive|have|sign\s+up|subscribe)\b.{0,60}\b(?:straight\s+to|delivered\s+to|in|into)\s+your\s+inbox\b.{0,40}
            | (?:enter\s+your\s+email(?:\s+address)?|your\s+email\s+address)\b.{0,40}
            | (?:get\s+)?our\s+(?:free\s+)?(?:daily|weekly|morning|evening)?\s*newsletters?\b[^.]{0,60}
            | newsletters?(?:\s+sign[\s-]?up)?"""),
        max_words=30,
        examples=("Sign up for our newsletter", "Click here to sign up to our free politics newsletter",
                  "Get the morning briefing delivered to your inbox",
                  "Enter your email address", "Newsletter",
                  "Subscribe to our daily newsletter for the latest local news and events."),
        counterexamples=("The newsletter, which the union sent to 40,000 members, called for a strike.",
                         "Residents said the letter landed in their inbox only after the deadline had passed "
                         "and the consultation had closed."),
    ),
    Rule(
        name="paywall",
        description="Subscription prompts and paywall notices.",
        pattern=_rx(r"""
            (?:subscribe|sign\s+up|register)\b.{0,40}?
                (?:\bto\s+continue|\bto\s+read|\bkeep\s+reading|\bunlimited|\bfull\s+access|\bfor\s+just|\bfor\s+only|[$£€]).{0,60}
            | (?:this\s+(?:article|story|content)\s+is\s+(?:only\s+)?(?:for|available\s+to)\s+(?:paying\s+)?subscribers).{0,40}
            | (?:already\s+a\s+subscriber|become\s+a\s+(?:member|subscriber)|unlock\s+this\s+(?:article|story)
                |you\s+have\s+reached\s+your\s+(?:free\s+)?(?:article\s+)?limit|continue\s+reading\s+with|subscribe\s+now)\b.{0,60}
            | subscribers?\s+only|premium|exclusive\s+to\s+subscribers"""),
        max_words=25,
        examples=("Subscribe to continue reading", "This article is for subscribers only.",
                  "Subscribe now for unlimited access", "You have reached your free article limit.",
                  "Unlock this article for just $1", "Already a subscriber?"),
        counterexamples=("Subscribers to the water company's priority register will get bottled water first, "
                         "the regulator said.",
                         "Premium bonds paid out £1m to a saver in Kent this month."),
    ),
    Rule(
        name="registration",
        description="Prompts to create an account or register.",
        pattern=_rx(r"""
            (?:create|open)\s+(?:a|an|your)\s+(?:free\s+)?account\b.{0,60}
            | (?:register|sign\s+up)(?:\s+now|\s+today|\s+here)?(?:\s+(?:for\s+free|free))?(?:\s+to\b[^,;]{0,50})?
                (?:\s*[,–-]\s*it['’]?s\s+free)?[.!]?
            | (?:don['’]t|do\s+not)\s+have\s+an\s+account\?.{0,40}
            | register\s+(?:for|to)\b[^,;]{0,50}
            | join\s+(?:now|today|for\s+free)\b[^,.;]{0,40}"""),
        max_words=18,
        examples=("Create a free account to keep reading", "Register now", "Sign up for free", "Register now - it's free",
                  "Don't have an account? Register here", "Register for free to save articles"),
        counterexamples=("Register offices in the county will close early on Friday because of the strike.",
                         "Join now, the campaign urged voters, before the deadline on 19 June closes "
                         "registration for the referendum."),
    ),
    Rule(
        name="cookie_notice",
        description="Cookie banners and consent buttons.",
        pattern=_rx(r"""
            (?:we|this\s+(?:web)?site|our\s+(?:web)?site)\s+uses?\s+cookies\b.{0,300}
            | by\s+(?:continuing|using)\b.{0,80}\bcookies\b.{0,120}
            | (?:accept|reject|allow|manage|customi[sz]e)(?:\s+all)?\s+cookies.{0,40}
            | cookie\s+(?:policy|settings|preferences|consent|notice)\b.{0,40}
            | accept\s*(?:all)?\s*(?:\||/|or)\s*(?:reject|decline|manage)(?:\s+(?:all|preferences|settings|options))?"""),
        max_words=60,
        examples=("We use cookies to improve your experience. By continuing you accept our use of cookies.",
                  "This website uses cookies", "Accept all cookies", "Cookie settings", "Accept | Reject",
                  "Accept | Manage settings"),
        counterexamples=("The bakery sold 4,000 cookies at the fair, raising £2,300 for the hospice.",
                         "Cookies were handed out to volunteers after the clean-up."),
    ),
    Rule(
        name="comments_prompt",
        description="Comment-section furniture.",
        pattern=_rx(r"""
            (?:(?:view|show|read|see|load)\s+(?:all\s+)?(?:\d+\s+)?comments?
            | comments?\s*\(\d+\)|(?:leave|post|add|write)\s+a\s+(?:comment|reply)|comment\s+on\s+this\s+(?:story|article|post)
            | (?:want\s+to\s+)?join\s+the\s+(?:conversation|discussion)|be\s+the\s+first\s+to\s+comment
            | comments\s+(?:are\s+(?:closed|open)|powered\s+by\s+\w+)|comments?)[.!?]?
            | \d+\s+(?:thoughts|responses|replies|comments)\s+(?:on|to)\s+["“‘'].{1,150}"""),
        max_words=25,
        examples=("View comments", "Comments (12)", "Leave a comment", "Join the conversation",
                  "Be the first to comment", "Comments", "Comments are closed.", "Want to join the discussion?",
                  "Comment on this Story", "comments powered by Disqus", "6 thoughts on “How to Plant Tulips”"),
        counterexamples=("Comments made by the coach after the match drew a fine from the league.",),
    ),
    Rule(
        name="tag_list",
        description="Tag or topic lists ('• Tags:', 'Tags: a, b, c'), when short.",
        pattern=_rx(r"""
            [•·*\-–]?\s*(?:tags?|topics?|tagged(?:\s+with)?|filed\s+under|keywords?)\s*:\s*
                (?:[^.!?:]{1,40}(?:\s*[,|;•·/]\s*[^.!?:]{1,40})*)?
            | [•·*\-–]?\s*(?:tags|topics|keywords)"""),
        max_words=20,
        examples=("• Tags:", "Tags: budget, council, transport", "Topics: Elections | Labour | Wales",
                  "Filed under: Sport", "Tags"),
        counterexamples=("Tags on the shipping containers were checked by customs officers at dawn.",
                         "Tags: the new price labels confused shoppers, the supermarket admitted. "
                         "Sales fell for two weeks."),
    ),
    Rule(
        name="bare_bullet",
        description="Lines made only of bullets, dashes, pipes or dots.",
        pattern=_rx(r"[\s•·*|/\-–—_=~.…·▪►»«]+"),
        max_words=10,
        examples=("•", "• •", "|", "* * *", "…"),
        counterexamples=("• The council will cut bus fares by 20 per cent from January.",),
    ),
    Rule(
        name="advertisement",
        description="Advertisement slots and 'story continues below' markers.",
        pattern=_rx(r"""
            (?:advertisement|advertising|advert|ad|ads|sponsored(?:\s+content)?|paid\s+content|promoted(?:\s+content)?)
                (?:\s*[-–:]\s*(?:scroll|story|article|continue)\b.{0,40})?
            | (?:story|article)\s+continues\s+(?:below|after)(?:\s+(?:this|the))?(?:\s+(?:advertisement|ad|advert))?
            | scroll\s+(?:down\s+)?to\s+continue(?:\s+(?:reading|with\s+content))?
            | continue\s+reading\s+(?:the\s+main\s+story|below)"""),
        max_words=10,
        examples=("Advertisement", "ADVERTISEMENT", "Story continues below advertisement",
                  "Scroll to continue with content", "Sponsored content", "Advertisement - scroll to continue",
                  "Advertisement - Continue Reading Below"),
        counterexamples=("Advertising revenue fell 8 per cent in the third quarter, the broadcaster said.",),
    ),
    Rule(
        name="related_links",
        description="Links to other stories: 'Read more:', 'Related:', 'Also read', 'You may also like'.",
        pattern=_rx(r"""
            (?:read\s+more|related|also\s+read|see\s+also|more\s+on\s+this(?:\s+story)?|read\s+next
                |related\s+(?:articles?|stories|coverage|content|news|links|topics)|you\s+may\s+also\s+like
                |you\s+might\s+also\s+like|recommended(?:\s+for\s+you)?|most\s+(?:read|popular|viewed)
                |more\s+(?:stories|news|from\s+[\w ]{1,30}?)|trending(?:\s+now)?|latest\s+(?:news|stories)
                |further\s+reading|don['’]t\s+miss|what\s+to\s+read\s+next)
                \s*(?:[:»>|→-]\s*.{0,200}|(?:\s*[»>→])?)"""),
        max_words=25,
        examples=("Read more: Council approves tram extension", "Related: Flood defences delayed again",
                  "ALSO READ", "You may also like", "Most read", "Read more »",
                  "More from Business: Bank holds rates at 4%"),
        counterexamples=("Also read aloud at the ceremony was a letter from the mayor's late father.",
                         "More from the minister came later in the afternoon, when she addressed the "
                         "conference.",
                         "Related charges against two other men were dropped in March."),
    ),
    Rule(
        name="photo_credit",
        description="Photo credits and captions ending in a credit.",
        pattern=_rx(r"""
            (?:photo(?:graph)?s?|image|picture|pic|credit|source|video|illustration)(?:\s+(?:by|credit|source))?
                \s*[:|]\s*[^.!?]{1,80}
            | \(?(?:photo(?:graph)?|image|picture)\s+by\s+[^.!?]{1,60}\)?
            | (?:photo|image|picture)\s+(?:caption|source|copyright)\s*[,:]\s*[^.!?]{1,120}
            | (?:[^()]{1,200}[.!?]\s*)?\((?:photo(?:graph)?|image|picture|credit)\s*(?:by\b|:)[^()]{1,60}\)
            | [^()]{1,200}[.!?]\s+(?:photo(?:graph)?|image|picture)\s*:\s*[^.!?]{1,60}
            | (?:getty\s+images|ap\s+photo|reuters|afp|pa\s+(?:media|wire)|shutterstock|epa)(?:\s*/\s*[^.!?]{1,60})?
            | (?:file\s+photo|handout|supplied|stock\s+image)"""),
        max_words=45,
        examples=("Photo: Jane Doe/Reuters", "(Photo by John Smith/Getty Images)", "Image: AFP",
                  "Getty Images", "Firefighters at the scene on Monday. (Photo: Ana Ruiz)",
                  "Image caption, The ferry was delayed for six hours",
                  "The new stand at Riverside Park. Photograph: Tom Hale/The Ledger", "File photo"),
        counterexamples=("The photo by the river was taken by a local student, Ella Park, who won the prize.",
                         "Reuters reported that the talks had stalled over the price of gas."),
    ),
    Rule(
        name="social_links",
        description="Follow-us prompts and bare lists of social networks.",
        pattern=_rx(rf"""
            (?:follow|like|find|join|connect\s+with|subscribe\s+to)\s+(?:us|@[\w.]+|our\s+[\w ]{{1,20}}?|[\w ]{{1,30}}?)\s+on\s+
                {_NETWORK}\b.{{0,120}}
            | (?:follow|like|join)\s+us(?:\s+(?:on|at|for|here|today)\b[^,.]{{0,40}})?[.!]?
            | (?:share\s+(?:this|on|via)\b[^,.]{{0,40}}|share)
            | (?:{_NETWORK}\s*+[|,·/•]?\s*+(?:and\s+)?)+"""),   # possessive: a space is matched one way only
        max_words=25,
        examples=("Follow us on Facebook, X and Instagram", "Like us on Facebook",
                  "Join our WhatsApp channel on WhatsApp for breaking news", "Facebook | X | Instagram",
                  "Share this article", "Follow us", "Share on Facebook"),
        counterexamples=('"Follow us on the journey," the skipper told supporters before setting sail.',
                         "Follow the money, investigators were told by the judge in 2019."),
    ),
    Rule(
        name="link_only",
        description="Lines that are only web addresses, e-mail addresses or handles, or a 'more "
                    "coverage at <address>' pointer.",
        pattern=_rx(r"""
            (?:(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+\.[\w.-]+|(?:twitter|x|instagram|facebook)\.com/\S+|@\w{2,30})
                (?:\s*(?:,|and|\|)?\s*(?:(?:https?://|www\.)\S+|@\w{2,30}))*
            | (?:more|follow|read|see|find)\b[^.]{0,80}?(?:\s+at|:)\s+(?:https?://|www\.)\S+
                (?:\s+and\s+(?:https?://|www\.)\S+)*"""),
        max_words=30,
        examples=("https://news.example/world/article-123", "jane.doe@ledger.example", "twitter.com/janedoe",
                  "More coverage of the election: https://news.example/election",
                  "Follow our full coverage of the trial at https://news.example/trial"),
        counterexamples=("The charity's website, www.seaclean.example, crashed within minutes of the appeal.",
                         "@Home, the furniture chain, said it would close 12 stores."),
    ),
    Rule(
        name="reporting_credit",
        description="Agency credit lines: 'Reporting by X; Editing by Y'.",
        pattern=_rx(rf"""
            \(?{_CREDIT}(?:\s*[;,]\s*{_CREDIT})*\)?\.?""", flags=0),
        max_words=35,
        examples=("Reporting by Jane Doe in London; Editing by John Roe",
                  "(Additional reporting by Sam Lee)", "Writing by Ana Ruiz; Editing by Tom Hale"),
        counterexamples=("Reporting by the inspectorate found 14 failures in the hospital's maternity unit.",),
    ),
    Rule(
        name="copyright",
        description="Copyright and rights notices.",
        pattern=_rx(r"""
            (?:©|\(c\)|copyright\s*(?:©|\(c\))?\s*\d{4})[^.]{0,80}(?:\.\s*all\s+rights\s+reserved\.?)?
            | all\s+rights\s+reserved\.?.{0,40}
            | .{0,60}\ball\s+rights\s+reserved\.?"""),
        max_words=20,
        examples=("© 2026 The Daily Ledger. All rights reserved.", "Copyright 2026 Harbour Media",
                  "All rights reserved."),
        counterexamples=("Copyright lawyers for the band said the song had been copied note for note, "
                         "and they would sue.",),
    ),
    Rule(
        name="page_tools",
        description="Article toolbar residue: listen, print, save, gift, text size.",
        pattern=_rx(r"""
            listen(?:\s+to\s+(?:this\s+)?(?:article|story))?(?:\s*[·|:-]?\s*\d{1,2}(?::\d\d)?\s*(?:min(?:ute)?s?)?)?
            | (?:print|save|gift|bookmark|copy\s+link|email)(?:\s+(?:this\s+)?(?:article|story|page|link))?
            | text\s+size|font\s+size|(?:a\s*){2,3}"""),
        max_words=8,
        examples=("Listen to this article", "Listen · 4:32 min", "Print this page", "Save article",
                  "Copy link", "Gift this article"),
        counterexamples=("Listen to the people of this town, the bishop told the minister in his letter.",),
    ),
    Rule(
        name="section_label",
        description="A section kicker or breadcrumb ('Science', 'Home > News > Local') above the first "
                    "paragraph: a few capitalised words with no sentence in them.",
        pattern=_rx(r"""[A-Z][\w'’-]*(?:\s*(?:[|>›»/&]\s*)?[A-Z][\w'’-]*){0,3}""", flags=0),
        max_words=7,
        zone="head",
        examples=("Science", "Local News", "Home > News > Local", "World | Europe"),
        counterexamples=("Ministers Resign.", "Floods hit the valley", "Police name victim"),
    ),
)
