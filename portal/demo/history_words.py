"""What the demo's past families wrote, and what their caseworkers wrote back: the words the
planner in portal.demo.history picks from. All invented; addresses end in example.org."""

from portal.casework.models import CaseOutcome
from portal.feedback.models import COMPLIMENT, QUESTION, SUGGESTION

FIRST_NAMES = [
    "Amelia",
    "Bilal",
    "Chloe",
    "Darius",
    "Ewa",
    "Farah",
    "Gemma",
    "Hannah",
    "Imran",
    "Jade",
    "Kwame",
    "Laura",
    "Mohammed",
    "Natalie",
    "Owen",
    "Patience",
    "Rebecca",
    "Samir",
    "Tanya",
    "Usman",
    "Vicky",
    "Wei",
    "Yasmin",
    "Zoe",
]
LAST_NAMES = [
    "Adams",
    "Bennett",
    "Chowdhury",
    "Doyle",
    "Ellis",
    "Fraser",
    "Gill",
    "Harrison",
    "Iqbal",
    "Jones",
    "Kowalski",
    "Lewin",
    "Mahmood",
    "Nolan",
    "Parry",
    "Quinn",
    "Robinson",
    "Sandhu",
    "Turner",
    "Walsh",
    "Yeo",
    "Zielinski",
]
CHILD_NAMES = [
    "Alfie",
    "Bella",
    "Caleb",
    "Daisy",
    "Ethan",
    "Freya",
    "George",
    "Hafsa",
    "Isaac",
    "Jasmine",
    "Kai",
    "Lily",
    "Musa",
    "Nia",
    "Oscar",
    "Poppy",
    "Reuben",
    "Sana",
    "Theo",
    "Zara",
]
SETTINGS = [
    "Brookfield Primary School",
    "Canal Side Academy",
    "Elmwood Special School",
    "Greenway High School",
    "Harbour View Primary",
    "Kingsmead College",
    "Larch Lane Infant School",
    "Parkside Secondary",
    "St Luke's Primary",
    "Willow Bank School",
]
YEAR_GROUPS = ["Reception"] + [f"Year {n}" for n in range(1, 12)] + ["College or training (16 to 25)"]
RELATIONSHIPS = ["Parent"] * 6 + ["Carer or guardian", "Foster carer", "Grandparent or relative"]
INTERPRETER_LANGUAGES = ["Urdu", "Polish", "Bengali", "Arabic", "Somali"]

# Each category: its learning themes, and what families wrote about it.
CATEGORY_THEMES = {
    "EHC needs assessment": ["Timeliness of EHC assessments and plans", "Communication and keeping families informed"],
    "EHC plan content and quality": ["Quality of EHC plans", "Therapy provision"],
    "Annual reviews": ["Timeliness of EHC assessments and plans", "Quality of EHC plans"],
    "School place and admissions": ["Communication and keeping families informed", "Information and the Local Offer"],
    "Home-to-school transport": ["Home-to-school transport reliability", "Communication and keeping families informed"],
    "Speech and language and other therapies": ["Therapy provision", "Communication and keeping families informed"],
    "Communication and named contact": ["Named contact and continuity", "Communication and keeping families informed"],
    "Short breaks and social care": ["Short breaks and respite", "Communication and keeping families informed"],
    "Preparing for adulthood": ["Preparing for adulthood", "Named contact and continuity"],
    "The Local Offer website": ["Information and the Local Offer"],
    "Other": ["Communication and keeping families informed"],
}
# How often each category comes up, out of 100.
CATEGORY_WEIGHTS = {
    "EHC needs assessment": 16,
    "EHC plan content and quality": 12,
    "Annual reviews": 9,
    "School place and admissions": 7,
    "Home-to-school transport": 14,
    "Speech and language and other therapies": 9,
    "Communication and named contact": 13,
    "Short breaks and social care": 6,
    "Preparing for adulthood": 5,
    "The Local Offer website": 6,
    "Other": 3,
}

COMPLAINTS = {
    "EHC needs assessment": [
        (
            "We asked for an EHC needs assessment months ago and have not had a decision. Nobody returns my calls.",
            "A decision on the assessment and someone to talk to.",
        ),
        (
            "The council refused to assess my son, but the letter does not say why and the school's evidence was not looked at.",
            "The school's evidence looked at properly and a clear reason.",
        ),
        (
            "The educational psychologist's visit was cancelled twice and we were only told on the day.",
            "A new date that will not be cancelled.",
        ),
    ],
    "EHC plan content and quality": [
        (
            "The final plan still names my daughter's old school and the wrong diagnosis, after I pointed both out in the draft.",
            "The plan corrected.",
        ),
        (
            "Section F says 'access to speech and language therapy' but not how much, how often or who provides it.",
            "Clear and specific provision in the plan.",
        ),
        (
            "The plan was issued without the occupational therapy report we sent in.",
            "The report included and the plan reissued.",
        ),
    ],
    "Annual reviews": [
        (
            "The annual review meeting was months ago and we still have not had the amended plan.",
            "The amended plan and a date for it.",
        ),
        (
            "Nobody from the council came to the annual review meeting and the paperwork has been lost.",
            "The review done properly.",
        ),
    ],
    "School place and admissions": [
        (
            "We were told two days before term that the named school had no place.",
            "A school place from the start of term.",
        ),
        (
            "My son has been out of school for six weeks waiting for a decision about his placement.",
            "A decision, and work sent home meanwhile.",
        ),
    ],
    "Home-to-school transport": [
        (
            "The taxi was late on most mornings last month, so my child missed the start of lessons.",
            "A reliable pick-up time.",
        ),
        (
            "The passenger assistant changed without warning and my daughter refused to get in the car.",
            "The same passenger assistant, or notice of changes.",
        ),
        (
            "Transport was not arranged for the first week of term although we applied in May.",
            "Transport in place and our fares refunded.",
        ),
    ],
    "Speech and language and other therapies": [
        ("The speech and language therapy in the plan has not happened this term.", "The missed sessions made up."),
        ("We have waited over a year for an occupational therapy assessment.", "An assessment date."),
    ],
    "Communication and named contact": [
        (
            "I have had four different caseworkers this year and each time I have to start again.",
            "One named caseworker.",
        ),
        ("My emails go unanswered for weeks and the phone line rings out.", "Replies within a reasonable time."),
    ],
    "Short breaks and social care": [
        ("Our short breaks were stopped and nobody told us why.", "The short breaks started again."),
        ("We were assessed for short breaks in the winter and still have no decision.", "A decision."),
    ],
    "Preparing for adulthood": [
        (
            "Nobody has talked to us about what happens when my son leaves school next summer.",
            "A plan for his move to adult life.",
        ),
        (
            "The plan does not mention college although my daughter starts there in September.",
            "The plan updated for college.",
        ),
    ],
    "The Local Offer website": [
        (
            "The Local Offer lists clubs that closed years ago and phone numbers that do not work.",
            "The information kept up to date.",
        ),
    ],
    "Other": [
        ("I was sent a letter meant for another family.", "An explanation, and my details checked."),
    ],
}
SUGGESTIONS = {
    "The Local Offer website": [
        "Please put a search box on every page of the Local Offer that understands everyday words like 'taxi'.",
        "Make the Local Offer work properly on a phone.",
    ],
    "Communication and named contact": [
        "Send a text when a letter about our child's plan has been posted.",
        "Put our caseworker's name and direct number on every letter.",
    ],
    "Home-to-school transport": ["Send families a text when the taxi is running late."],
    "Annual reviews": ["Send the review paperwork two weeks before the meeting so that we can read it."],
    "Short breaks and social care": ["Run short breaks activities in the school holidays as well as in term time."],
    "Preparing for adulthood": ["Hold a drop-in for young people about college, jobs and money."],
    "EHC needs assessment": ["Show on this site which step our child's assessment has reached."],
    "Speech and language and other therapies": ["Publish the waiting time for each therapy."],
}
COMPLIMENTS = {
    "Communication and named contact": ["Our caseworker rang back the same day and sorted everything out. Thank you."],
    "Annual reviews": ["The annual review was the best we have had. Everyone listened to my son."],
    "Home-to-school transport": ["The transport team found a driver my daughter trusts. Mornings are calm again."],
    "Short breaks and social care": ["The short breaks club has been wonderful for our whole family."],
    "EHC needs assessment": ["Thank you for explaining the assessment so clearly and keeping us informed every step."],
    "EHC plan content and quality": ["The new plan describes my child as she really is. Thank you."],
    "Preparing for adulthood": ["The college transition meeting was really well organised."],
}
QUESTIONS = {
    "Preparing for adulthood": ["Will the EHC plan continue when my son moves to college?"],
    "Home-to-school transport": ["How do I ask for a personal transport budget instead of a taxi?"],
    "Annual reviews": ["Who do I contact to change the date of our annual review?"],
    "EHC needs assessment": ["How long does an EHC needs assessment usually take?"],
    "School place and admissions": ["When will we hear which school has been named for September?"],
}

RESPONSES = {
    CaseOutcome.UPHELD: [
        "We have looked into your complaint and we agree that we did not do what we should have done. We are sorry.",
        "You were right: the delay was our fault and we should have kept you informed. We are sorry for the worry this caused.",
    ],
    CaseOutcome.PARTLY_UPHELD: [
        "Some of what you told us was right and some was outside our control. We have answered each point below.",
        "We agree that we should have told you sooner, but the decision itself followed the right process.",
    ],
    CaseOutcome.NOT_UPHELD: [
        "We have looked carefully at each point and found that the council followed the right process, but we should have explained it better.",
        "We have checked the records and the timescales were met. We have set out below what happened and when.",
    ],
}
STAGE2_OPENING = "At stage 2, a senior officer who was not involved before has reviewed your complaint. "
OTHER_RESPONSES = {
    COMPLIMENT: [
        "Thank you for taking the time to tell us. We have passed your kind words on to the team and their manager.",
        "It is good to hear what went well. We have shared your message with everyone involved.",
    ],
    SUGGESTION: [
        "Thank you for your suggestion. We have passed it to the team who can make it happen and we will tell you what they decide.",
        "This is a good idea and we are going to try it from next term. Thank you for taking the time to tell us.",
    ],
    QUESTION: [
        "Thank you for your question. Your caseworker has written to you with the details and the name of the person to contact.",
        "The short answer is yes. Your caseworker will ring you to talk it through and answer anything else you need to know.",
    ],
}
REMEDIES = {
    "apology": "A written apology from the head of service",
    "explanation": "A full explanation of the timescales that apply and what happens next",
    "decision_reconsidered": "The panel will look at the decision again with the new evidence",
    "record_corrected": "The plan corrected and reissued",
    "financial": "A payment of £150 for the time and trouble caused",
    "service_provided": "The missed support arranged before the end of term",
}
POLICY_CHANGES = {
    "Home-to-school transport": "Drivers now text families when they are running late",
    "Communication and named contact": "Every family now has a named caseworker with a direct phone number",
    "Annual reviews": "Review deadlines are now checked every week by the team lead",
    "The Local Offer website": "Every page of the Local Offer is now checked each term",
    "EHC needs assessment": "Families are now told at each step of the assessment",
}
DEFAULT_POLICY_CHANGE = "The team's procedure has changed so that this does not happen again"
EXTENSION_REASONS = [
    "We are waiting for a report from the therapy service.",
    "We need to speak to the school, which is closed for half term.",
    "Your complaint covers several teams and we want to answer every point properly.",
    "The officer who can answer this is on leave until next week.",
]
ESCALATION_REASONS = [
    "",
    "I do not think my complaint about the delay was answered.",
    "The response did not say when the plan will be corrected.",
    "",
]
SIGNPOSTING = {
    "service_request": "We have passed your request to the team as a request for a service, and they will contact you within 5 working days.",
    "other_route": "This is about the content of an EHC plan, which can be appealed to the SEND Tribunal. Please contact a mediation adviser first; "
    "SENDIASS, the free and independent advice service, can help you.",
}
