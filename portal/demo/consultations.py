"""Demo consultations for seed-demo: renaming SEND to CAN (outcome published), the Local Offer
website (open), home-to-school transport (closed, outcome to follow) and how named caseworkers
keep in touch (coming up), with answers from the youth forum and from parents. Dates are
relative to today, so the board always has something open. Invented people; addresses end in
example.org. Idempotent: a consultation whose address exists already is left alone."""

from datetime import timedelta

from portal.accounts import roles
from portal.accounts.models import User
from portal.consultations import alerts
from portal.consultations import models as m
from portal.core.time import london_today, utcnow
from portal.extensions import db
from portal.themes.models import LearningTheme

# People who answer in the demo besides the demo accounts: they have no password, so nobody
# can sign in as them. Email, name, role.
RESPONDENTS = [
    ("kezia.forum@example.org", "Kezia Mensah", roles.YOUTH),
    ("rhys.forum@example.org", "Rhys Davies", roles.YOUTH),
    ("leo.forum@example.org", "Leo Nowak", roles.YOUTH),
    ("grace.parent@example.org", "Grace Adeyemi", roles.PARENT),
    ("martin.parent@example.org", "Martin Clarke", roles.PARENT),
    ("sofia.parent@example.org", "Sofia Rossi", roles.PARENT),
    ("dan.parent@example.org", "Dan Whitfield", roles.PARENT),
]

# Each answer: (author email, voice, visibility, moderation, {question position: answer}, themes,
# agreed by [emails], comments [(email, text, moderation)]). A free-text answer is a string, a
# choose-one a label, a choose-several a list of labels, a scale an int.
CONSULTATIONS = [
    dict(
        slug="renaming-send-to-can",
        title="Renaming SEND to CAN",
        audience=m.EVERYONE,
        forum_may_answer=True,
        opened_days_ago=280,
        open_days=35,
        summary=(
            'The youth forum told us the words "special educational needs and disabilities" made them feel like a '
            'problem to be solved. We want to know whether "Children with Additional Needs" (CAN) would be better.'
        ),
        easy_read=(
            "We want to change a name.\n"
            "Now we say SEND. The youth forum asked for CAN.\n"
            "CAN means Children with Additional Needs.\n"
            "Tell us which name you like."
        ),
        background=(
            "SEND is the name used in the law and in the SEND Code of Practice. It will still appear in letters where "
            "the law needs it.\n\n"
            "The partnership of the council, schools, health services, the parent carer forum and the youth forum "
            "can choose the name we use everywhere else: on our website, in leaflets, in meetings and on this portal."
        ),
        questions=[
            dict(
                kind=m.CHOOSE_ONE,
                prompt="Which name should the partnership use?",
                required=True,
                options=["Keep SEND", "Change to CAN", "Something else"],
            ),
            dict(kind=m.SCALE, prompt="How much does the name matter to you?", low="Not at all", high="A great deal"),
            dict(
                kind=m.CHOOSE_SEVERAL,
                prompt="Where should the new name appear first?",
                options=["This website", "Letters to families", "Schools and colleges", "Meetings"],
            ),
            dict(kind=m.FREE_TEXT, prompt="Tell us why", required=True),
        ],
        answers=[
            (
                "youth@example.org",
                m.FORUM_VOICE,
                m.PUBLIC,
                m.APPROVED,
                {
                    0: "Change to CAN",
                    1: 5,
                    2: ["This website", "Schools and colleges"],
                    3: "We voted at our March meeting: 14 for CAN, 1 against. SEND sounds like a label stuck on us. CAN says what we can do.",
                },
                ["Information and the Local Offer"],
                ["grace.parent@example.org", "kezia.forum@example.org", "martin.parent@example.org"],
                [("sofia.parent@example.org", "My daughter said exactly this after her review meeting.", m.APPROVED)],
            ),
            (
                "kezia.forum@example.org",
                m.OWN_VOICE,
                m.PUBLIC,
                m.APPROVED,
                {
                    0: "Change to CAN",
                    1: 4,
                    2: ["Schools and colleges"],
                    3: "At school people say 'the SEND kids'. Nobody says 'the CAN kids' like that.",
                },
                [],
                ["rhys.forum@example.org"],
                [],
            ),
            (
                "grace.parent@example.org",
                m.OWN_VOICE,
                m.PUBLIC,
                m.APPROVED,
                {
                    0: "Change to CAN",
                    1: 3,
                    2: ["Letters to families"],
                    3: "If the young people want it, do it. But please do not spend money on new signs before fixing waiting times.",
                },
                ["Timeliness of EHC assessments and plans"],
                ["dan.parent@example.org"],
                [],
            ),
            (
                "martin.parent@example.org",
                m.OWN_VOICE,
                m.PRIVATE,
                m.APPROVED,
                {
                    0: "Keep SEND",
                    1: 2,
                    2: [],
                    3: "SEND is the word in the law and the tribunal. Two names will confuse families who are new to this.",
                },
                ["Information and the Local Offer"],
                [],
                [],
            ),
            (
                "rhys.forum@example.org",
                m.OWN_VOICE,
                m.PUBLIC,
                m.APPROVED,
                {0: "Change to CAN", 1: 5, 2: ["This website", "Meetings"], 3: "CAN is more positive."},
                [],
                [],
                [],
            ),
        ],
        outcome=dict(
            we_asked='We asked young people, parents and carers whether the partnership should stop using "SEND" '
            'in everyday use and say "Children with Additional Needs" (CAN) instead.',
            you_said="5 people and the youth forum answered. 4 of the 5 individual answers and the youth forum's "
            "collective answer chose CAN. Most people said the name matters a lot to them (average 3.8 out of 5). "
            "Parents asked us to keep SEND where the law uses it, so that families are not confused.",
            we_did="The partnership adopted CAN. The portal is now called Together We CAN, and our leaflets and "
            "website are changing as they are reprinted. Letters about EHC plans and tribunal rights still say SEND "
            "where the law needs it, with CAN alongside.",
            days_after_close=21,
        ),
    ),
    dict(
        slug="the-local-offer-website",
        title="The Local Offer website",
        audience=m.EVERYONE,
        forum_may_answer=True,
        opened_days_ago=12,
        open_days=30,
        summary="The Local Offer lists the support for children with additional needs in the city. Families tell "
        "us it is hard to find and hard to use. Help us decide what to fix first.",
        easy_read=None,
        background=(
            "The Local Offer website must tell families about education, health and care support, short breaks, "
            "transport and preparing for adulthood.\n\n"
            "We are rebuilding it with families. Your answers decide what we build first."
        ),
        questions=[
            dict(
                kind=m.SCALE,
                prompt="How easy is it to find what you need on the Local Offer today?",
                low="Very hard",
                high="Very easy",
                required=True,
            ),
            dict(
                kind=m.CHOOSE_SEVERAL,
                prompt="What do you look for most often?",
                options=[
                    "Short breaks and activities",
                    "Transport",
                    "Therapies",
                    "Schools and colleges",
                    "Money and benefits",
                    "Support after 16",
                ],
            ),
            dict(kind=m.FREE_TEXT, prompt="What is the one thing we should fix first?", required=True),
        ],
        answers=[
            (
                "parent@example.org",
                m.OWN_VOICE,
                m.PUBLIC,
                m.APPROVED,
                {
                    0: 1,
                    1: ["Short breaks and activities", "Transport"],
                    2: "The search. I typed 'taxi to school' and got nothing; it is filed under 'travel assistance'.",
                },
                ["Information and the Local Offer"],
                ["grace.parent@example.org", "sofia.parent@example.org"],
                [
                    (
                        "dan.parent@example.org",
                        "Same here. A search that understands everyday words would help everyone.",
                        m.APPROVED,
                    ),
                    ("grace.parent@example.org", "And the phone numbers are out of date.", m.PENDING),
                ],
            ),
            (
                "kezia.forum@example.org",
                m.OWN_VOICE,
                m.PUBLIC,
                m.APPROVED,
                {0: 2, 1: ["Support after 16"], 2: "Make a section written for us, not for our parents."},
                ["Preparing for adulthood"],
                ["rhys.forum@example.org"],
                [],
            ),
            (
                "grace.parent@example.org",
                m.OWN_VOICE,
                m.PUBLIC,
                m.PENDING,
                {0: 2, 1: ["Therapies"], 2: "Tell us how long the waiting lists are for each therapy."},
                [],
                [],
                [],
            ),
            (
                "leo.forum@example.org",
                m.OWN_VOICE,
                m.PRIVATE,
                m.PENDING,
                {0: 3, 1: ["Short breaks and activities"], 2: "Put the clubs on a map."},
                [],
                [],
                [],
            ),
            (
                "sofia.parent@example.org",
                m.OWN_VOICE,
                m.PRIVATE,
                m.APPROVED,
                {0: 1, 1: ["Money and benefits"], 2: "It does not work well on my phone."},
                ["Information and the Local Offer"],
                [],
                [],
            ),
        ],
    ),
    dict(
        slug="home-to-school-transport",
        title="Home-to-school transport",
        audience=m.PARENTS,
        forum_may_answer=False,
        opened_days_ago=50,
        open_days=42,
        summary="We are reviewing how we arrange transport to school for children with additional needs. Tell us "
        "what works and what does not.",
        easy_read=None,
        background=(
            "Travel Assist arranges taxis, minibuses and travel training for about 900 children.\n\n"
            "Complaints about late or missed pick-ups went up last year. Before we renew the contracts we want to "
            "hear from families."
        ),
        questions=[
            dict(
                kind=m.CHOOSE_ONE,
                prompt="How reliable is your child's transport?",
                required=True,
                options=["Always on time", "Usually on time", "Often late", "Often does not come"],
            ),
            dict(
                kind=m.CHOOSE_SEVERAL,
                prompt="What would help most?",
                options=[
                    "A text when the driver is late",
                    "The same driver every day",
                    "A named contact at Travel Assist",
                    "Travel training for older children",
                ],
            ),
            dict(kind=m.FREE_TEXT, prompt="Anything else we should know?"),
        ],
        answers=[
            (
                "parent2@example.org",
                m.OWN_VOICE,
                m.PUBLIC,
                m.APPROVED,
                {
                    0: "Often late",
                    1: ["A text when the driver is late", "A named contact at Travel Assist"],
                    2: "When the taxi is late nobody tells us, and my son gets very anxious waiting at the door.",
                },
                ["Home-to-school transport reliability", "Communication and keeping families informed"],
                ["parent@example.org", "dan.parent@example.org"],
                [],
            ),
            (
                "dan.parent@example.org",
                m.OWN_VOICE,
                m.PUBLIC,
                m.APPROVED,
                {
                    0: "Usually on time",
                    1: ["The same driver every day"],
                    2: "Our driver is brilliant. The problem is when he is off and a stranger turns up.",
                },
                ["Home-to-school transport reliability"],
                [],
                [],
            ),
            (
                "martin.parent@example.org",
                m.OWN_VOICE,
                m.PRIVATE,
                m.APPROVED,
                {
                    0: "Often does not come",
                    1: ["A text when the driver is late"],
                    2: "Three times this term the minibus did not come at all.",
                },
                ["Home-to-school transport reliability"],
                [],
                [],
            ),
            (
                "parent@example.org",
                m.OWN_VOICE,
                m.PUBLIC,
                m.APPROVED,
                {0: "Often late", 1: ["A text when the driver is late", "The same driver every day"], 2: ""},
                [],
                [],
                [],
            ),
        ],
    ),
    dict(
        slug="how-named-caseworkers-keep-in-touch",
        title="How named caseworkers should keep in touch",
        audience=m.EVERYONE,
        forum_may_answer=True,
        opened_days_ago=-10,
        open_days=28,
        summary="Families asked for one named person who knows their child. Tell us how and how often your named "
        "caseworker should keep in touch.",
        easy_read="Your caseworker is the person at the council who helps with your plan.\n"
        "Tell us how you want them to talk to you.",
        background="We are appointing more caseworkers so that every family has a named contact. Before they start, "
        "we want to agree with families how they keep in touch.",
        questions=[
            dict(
                kind=m.CHOOSE_SEVERAL,
                prompt="How would you like your caseworker to contact you?",
                options=["Phone call", "Email", "Text message", "Letter", "Meeting in person"],
                required=True,
            ),
            dict(kind=m.FREE_TEXT, prompt="What else should we know?"),
        ],
        answers=[],
    ),
]


def seed_consultations() -> None:
    existing = set(db.session.scalars(db.select(m.Consultation.slug)))
    wanted = [spec for spec in CONSULTATIONS if spec["slug"] not in existing]
    if not wanted:
        return
    people = _respondents()
    themes = {theme.name: theme for theme in db.session.scalars(db.select(LearningTheme))}
    for spec in wanted:
        consultation = _consultation(spec)
        db.session.add(consultation)
        db.session.flush()
        for answer in spec["answers"]:
            _response(consultation, answer, people, themes)


def seed_alert_choice() -> None:
    """Priya Shah asked to hear of new consultations, in the weekly digest: her account page
    shows the choice. Only once: a choice she changed since is left as it is."""
    parent = db.session.scalar(db.select(User).where(User.email == ALERTS_PARENT))
    if parent is not None and db.session.get(m.AlertChoice, parent.id) is None:
        alerts.save_choice(parent, {m.OPENING, m.OUTCOME}, m.WEEKLY)


ALERTS_PARENT = "parent@example.org"


def _respondents() -> dict[str, User]:
    """Everyone who answers in the demo, by email: demo accounts and respondents."""
    people = {user.email: user for user in db.session.scalars(db.select(User))}
    for email, name, role in RESPONDENTS:
        if email not in people:
            people[email] = User(
                email=email,
                name=name,
                role=role,
                email_confirmed_at=utcnow(),
                approved_at=utcnow() if role == roles.YOUTH else None,
            )
            db.session.add(people[email])
    db.session.flush()
    return people


def _consultation(spec: dict) -> m.Consultation:
    today = london_today()
    opens_on = today - timedelta(days=spec["opened_days_ago"])
    closes_on = opens_on + timedelta(days=spec["open_days"])
    consultation = m.Consultation(
        slug=spec["slug"],
        title=spec["title"],
        summary=spec["summary"],
        easy_read=spec["easy_read"],
        background=spec["background"],
        audience=spec["audience"],
        forum_may_answer=spec["forum_may_answer"],
        opens_on=opens_on,
        closes_on=closes_on,
        published_at=utcnow(),
    )
    outcome = spec.get("outcome")
    if outcome:
        consultation.we_asked = outcome["we_asked"]
        consultation.you_said = outcome["you_said"]
        consultation.we_did = outcome["we_did"]
        consultation.outcome_published_at = utcnow() - timedelta(
            days=(today - closes_on).days - outcome["days_after_close"]
        )
    for position, question_spec in enumerate(spec["questions"]):
        question = m.Question(
            position=position,
            kind=question_spec["kind"],
            prompt=question_spec["prompt"],
            required=question_spec.get("required", False),
            scale_low_label=question_spec.get("low"),
            scale_high_label=question_spec.get("high"),
        )
        question.options = [
            m.QuestionOption(position=i, label=label) for i, label in enumerate(question_spec.get("options", []))
        ]
        consultation.questions.append(question)
    return consultation


def _response(consultation: m.Consultation, answer: tuple, people: dict, themes: dict) -> None:
    email, voice, visibility, moderation, values, theme_names, agreed_by, comments = answer
    # Answers arrive over the first days the consultation was open.
    submitted_at = utcnow() - timedelta(days=max((london_today() - consultation.opens_on).days - 3, 0))
    response = m.Response(
        consultation=consultation,
        author=people[email],
        voice=voice,
        visibility=visibility,
        moderation=moderation,
        submitted_at=submitted_at,
        created_at=submitted_at,
        moderated_at=None if moderation == m.PENDING else submitted_at + timedelta(hours=20),
    )
    for position, value in values.items():
        question = consultation.questions[position]
        item = m.Answer(question=question)
        if question.kind == m.FREE_TEXT:
            item.text = value
            item.themes = [themes[name] for name in theme_names if name in themes]
        elif question.kind == m.SCALE:
            item.scale = value
        else:
            labels = [value] if isinstance(value, str) else value
            item.choices = [option for option in question.options if option.label in labels]
        response.answers.append(item)
    for text_email, text, comment_moderation in comments:
        response.comments.append(
            m.Comment(
                author=people[text_email],
                body=text,
                moderation=comment_moderation,
                created_at=submitted_at + timedelta(days=1),
            )
        )
    db.session.add(response)
    db.session.flush()
    for agreeing in agreed_by:
        db.session.add(m.Agreement(response_id=response.id, user_id=people[agreeing].id))
