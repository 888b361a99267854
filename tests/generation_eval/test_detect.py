"""Abstention and conflict detectors on varied, realistic phrasings."""

from __future__ import annotations

import pytest

from evalstage.generation_eval._detect import Detection, detect_abstention, detect_conflict

ABSTAIN = [
    "",
    "   ",
    "I don't know.",
    "I don’t know the answer to that.",
    "I do not know.",
    "I cannot answer this question based on the given passages.",
    "I can't answer that from the provided context.",
    "I can not determine the answer from these documents.",
    "The provided context does not contain information about the population of Lyon.",
    "The context doesn't mention when the bridge was completed.",
    "The passages do not specify the dosage used in the trial.",
    "The documents don't say who founded the company.",
    "There is no information about the author's birthplace in the passages.",
    "There is no mention of the melting point in the provided documents.",
    "Not enough information is provided to answer this question.",
    "Insufficient evidence.",
    "I am unable to determine the answer from the context.",
    "Unable to determine from the given context.",
    "The passages do not say.",
    "No answer.",
    "Unanswerable.",
    "N/A",
    "Based on the provided context, it is not possible to determine the exact year the treaty "
    "was signed.",
    "Based on the information provided, I cannot say how many patients were enrolled.",
    "Unfortunately, the context does not provide the exact date. It only mentions that the bridge "
    "was designed by Roebling [1].",
    "The answer cannot be determined from the provided passages.",
    "The given documents do not address this question.",
    "I'm sorry, but the retrieved passages don't contain the answer to your question.",
    "The information needed to answer this question is not available in the context.",
    "This is not mentioned in the provided passages.",
    "None of the passages mention the CEO's salary.",
    "The context is silent on this point.",
    "The provided sources lack the information required to answer.",
    "I could not find the answer in the supplied documents.",
    "It is impossible to tell from the given context who won the election.",
    "The passages provided do not contain enough information to answer the question.",
    "There isn't enough information in the context to answer this.",
    "The question cannot be answered with the given context.",
    "Sorry, I don't have enough information to answer that.",
    "Neither passage mentions the boiling point of the compound.",
    "The text does not indicate whether the drug was approved.",
]

ANSWERED = [
    "The drug did not reduce mortality [1].",
    "No, vitamin D supplementation does not prevent fractures [2].",
    "No.",
    "Yes, the association is significant [1].",
    "The bridge was completed in 1883 [1].",
    "There is no evidence that the vaccine causes autism [1][3].",
    "Insufficient evidence was found to recommend routine screening [2].",
    "The trial was unable to recruit enough patients and was stopped early [1].",
    "The context does not say when it opened, but the architect was Gaudí [2].",
    "The passages do not give the exact figure; however, the population was about 5 million in "
    "2010 [3].",
    "The company does not disclose its revenue, according to the report [1].",
    "Patients who did not respond to metformin were switched to insulin [2].",
    "The author is unknown to most readers but was born in Lyon [1].",
    "It cannot be used in children under two [1].",
    "The protein cannot be detected in plasma [2].",
    "The study could not determine a causal link, but found a strong correlation (r = 0.8) [1].",
    "Paris is the capital of France [1].",
    "Researchers did not know the cause until 1983, when HIV was identified [1].",
    "The answer is 42 [1].",
    "None of the patients died during follow-up [2].",
    "There was no difference in blood pressure between the groups [1].",
    "The mayor said she does not know the exact cost, estimated at $3 million [2].",
    "No significant association was found between coffee and cancer [1].",
    "The treatment is not associated with weight gain [3].",
    "He never married [1].",
    "The context mentions that the river is 6,650 km long [1].",
    "It is not possible to cure the disease, but symptoms can be managed [2].",
    "Unknown soldiers are buried in the tomb [1].",
]

CONFLICT = [
    "The passages conflict: [1] says 1887 while [2] says 1890.",
    "The sources disagree on the date of the treaty.",
    "There is conflicting information about the population of the city [1][2].",
    "The documents provide contradictory figures for the company's revenue.",
    "Passage 1 reports a height of 324 m, whereas passage 2 reports 330 m.",
    "According to [1], the drug lowered mortality; however, [2] states that it had no effect.",
    "One study found a benefit [1], while another found no effect [3].",
    "There is conflicting evidence on whether coffee raises blood pressure [1][2].",
    "The evidence is mixed: some studies show a benefit and others do not [1][2].",
    "The sources are inconsistent regarding his birth year.",
    "Passage 2 contradicts passage 1 about the founding date.",
    "[1] states that the bridge opened in 1883, but [3] gives 1885.",
    "The retrieved documents give different answers: 5 million [1] and 7 million [2].",
    "There is a discrepancy between the sources: 1887 [1] versus 1890 [2].",
    "Reports vary on the death toll, from 200 [1] to 350 [2].",
    "The context contains contradictory statements about the drug's efficacy.",
    "The passages are contradictory, so the exact date is uncertain.",
    "Some sources say the river is 6,650 km long [1], while others say 6,850 km [2].",
    "Source 1 claims the tower is 300 m tall. In contrast, source 2 claims it is 324 m.",
    "The two passages disagree: the first says yes, the second says no.",
    "There appears to be a contradiction in the provided context regarding the dosage.",
    "Based on the passages, the answer is unclear because they conflict with each other.",
    "While passage 1 says the company was founded in 1998, passage 2 says 2001.",
    "The provided documents are not consistent about the winner of the 1990 election.",
    "Accounts differ: [2] puts the date at 1066, whereas [4] puts it at 1067.",
    "Findings are inconsistent across studies [1][2][3].",
    "The documents do not agree on the number of casualties.",
    "It is unclear which figure is correct, as [1] and [2] report different values.",
]

NO_CONFLICT = [
    "The bridge opened in 1883 [1].",
    "The bridge opened in 1883 [1]. However, it was not completed until 1885 [1].",
    "The study found no effect [1]; however, the sample was small [1].",
    "Aspirin reduced stroke risk [1], whereas clopidogrel had no effect [2].",
    "The Korean conflict began in 1950 [1].",
    "Participants reported inconsistent sleep patterns [2].",
    "The drug has a short half-life, but it is taken once daily [1].",
    "I don't know.",
    "The context does not mention the population of Lyon.",
    "Yes, smoking increases the risk of lung cancer [1][2].",
    "The conflict resolution program reduced incidents by 30% [3].",
    "The treaty was signed in 1648 [1], while the war ended in 1650 [2].",
    "However, the company later moved to Berlin [2].",
    "Men had higher rates than women [1], but the difference was not significant [1].",
    "Both passages agree that the tower is 324 m tall [1][2].",
    "The author contradicts the popular view that Rome fell in a day [1].",
    "The results were consistent across all subgroups [1].",
    "Mixed martial arts became popular in the 1990s [1].",
    "Passage 1 describes the history of the city, while passage 2 describes its economy.",
    "Paris is the capital [1], and Lyon is the third-largest city [2].",
    "The river is 6,650 km long [1][2].",
    "Unlike earlier versions, the new engine uses hydrogen [1].",
    "The trial was stopped early because of inconsistent dosing [2].",
    "Some patients improved [1], while others remained stable [1].",
    "The sources describe the same event in 1887 [1][2].",
    "The data were inconsistent with the null hypothesis (p < 0.01) [1].",
    "The enzyme is active in the liver [1], whereas in muscle it is inhibited [2].",
]


# Written after the first version of the detectors, before tuning them (held out): on these the
# first version scored 34/40 (abstention) and 31/40 (conflict); the rules were then extended.
HELD_OUT_ABSTAIN = [
 "The information you're asking for isn't included in the passages.",
 "Based on the given passages, the answer is not known.",
 "I'm not able to find that information in the documents provided.",
 "The excerpts provided don't discuss the GDP of Norway.",
 "Sadly, the context doesn't include details about the launch date.",
 "None of the provided documents contain information on this topic.",
 "There's no information in the context regarding his spouse.",
 "I cannot provide an answer because the context does not include the relevant data.",
 "The context provided is insufficient to answer this question.",
 "The given context does not allow me to determine the winner.",
 "It's not possible to answer this question using the passages.",
 "Answer: unknown.",
 "I don't have information about that.",
 "The provided passages offer no details about the cause of death.",
 "Nothing in the context answers this question.",
 "The documents make no mention of the treaty.",
 "I cannot determine this from the information provided.",
 "The retrieved context does not cover this topic, so I can't answer.",
 "No relevant information was found in the provided sources.",
 "This question cannot be answered from the given documents.",
]
HELD_OUT_ANSWERED = [
 "The vaccine was not effective against the new variant [2].",
 "Smoking is not associated with the condition in this cohort [1].",
 "No, the bridge was never completed [3].",
 "The patients could not tolerate the higher dose [1].",
 "It is unknown to the public that he had a twin brother [2].",
 "The passages say the population is 2.1 million [1].",
 "According to the context, the capital is Canberra [1].",
 "The law does not specify a minimum age, but courts use 18 [2].",
 "The answer is no: the drug failed in phase III [1].",
 "He did not attend the ceremony [1].",
 "The company could not be reached for comment, but reported revenue of $2B [1].",
 "Insufficient data prevented a firm conclusion in the trial, which reported a 10% gain [2].",
 "The treaty does not mention Prussia [1].",
 "There were no deaths [1].",
 "The report does not state the cause, although the fire began at 3 a.m. [2].",
 "The context says it was built in 1920 [1].",
 "Mortality was unchanged (HR 0.98) [1].",
 "The study lacked statistical power but suggested a benefit [1].",
 "It is unclear whether the effect persists beyond a year [2].",
 "The disease has no known cure [1].",
]
HELD_OUT_CONFLICT = [
 "The sources don't agree: [1] says 5 km while [2] says 7 km.",
 "Passage 3 gives 1990; passage 1, however, gives 1992.",
 "There are two conflicting accounts of the event [1][2].",
 "The evidence regarding this question is contradictory [1][3].",
 "Different sources report different dates for the battle: 1415 [1] and 1416 [2].",
 "Document 1 states he was born in Vienna, but document 2 says Prague.",
 "Estimates differ widely between the passages.",
 "The context presents inconsistent information about the CEO's age.",
 "[2] reports a 20% reduction. By contrast, [3] reports no change.",
 "Note that the passages are in disagreement on this point.",
 "Some studies report a benefit [1], but others report harm [2].",
 "The studies reached opposite conclusions [1][2].",
 "According to passage 1, the tower is 300 m, whereas according to passage 2, it is 324 m.",
 "It depends on the source: [1] says yes, [2] says no.",
 "There's a contradiction: the first document says 1850 and the second says 1860.",
 "The figures in [1] and [2] do not match.",
 "The passages give conflicting answers.",
 "Sources are split on whether the drug works [1][2].",
 "Evidence is conflicting [1-3].",
 "Two of the passages contradict each other regarding the date.",
]
HELD_OUT_NO_CONFLICT = [
 "The drug reduced pain [1] but caused nausea [2].",
 "Passage 1 says the tower is 324 m tall, and passage 2 agrees.",
 "The two studies found the same effect [1][2].",
 "However, the results were not significant [1].",
 "He resolved the conflict between the two families [2].",
 "The war was a long conflict [1].",
 "While the drug is cheap [1], it is also effective [2].",
 "The mixed forest covers 30% of the park [1].",
 "The company reported inconsistent earnings over the decade [1].",
 "The passages describe different aspects of the city [1][2].",
 "Both [1] and [2] report that the bridge opened in 1883.",
 "The trial compared drug A with placebo [1].",
 "Yes [1].",
 "Rainfall varies from year to year [2].",
 "The population rose in the north [1], while it fell in the south [2].",
 "The theory contradicts Newtonian mechanics [1].",
 "Opinions among patients differ, but most preferred drug A [1].",
 "The context does not mention any disagreement.",
 "According to [1], the tower is 324 m tall.",
 "The novel explores conflicting loyalties [2].",
]


@pytest.mark.parametrize("answer", ABSTAIN + HELD_OUT_ABSTAIN)
def test_abstention_detected(answer: str) -> None:
    detection = detect_abstention(answer)
    assert detection.detected, (answer, detection)
    assert detection.score >= 0.5


@pytest.mark.parametrize("answer", ANSWERED + HELD_OUT_ANSWERED)
def test_answer_not_abstention(answer: str) -> None:
    detection = detect_abstention(answer)
    assert not detection.detected, (answer, detection)
    assert detection.score < 0.5


@pytest.mark.parametrize("answer", CONFLICT + HELD_OUT_CONFLICT)
def test_conflict_detected(answer: str) -> None:
    detection = detect_conflict(answer)
    assert detection.detected, (answer, detection)
    assert detection.cue


@pytest.mark.parametrize("answer", NO_CONFLICT + HELD_OUT_NO_CONFLICT)
def test_no_conflict(answer: str) -> None:
    detection = detect_conflict(answer)
    assert not detection.detected, (answer, detection)


def test_phrase_sets_are_large_enough() -> None:
    assert len(ABSTAIN) >= 25 and len(ANSWERED) >= 25
    assert len(CONFLICT) >= 25 and len(NO_CONFLICT) >= 25


@pytest.mark.parametrize(
    ("answer", "cue_part"),
    [
        ("I don't know.", "know"),
        ("The context does not mention the date.", "context does not mention"),
        ("", "empty"),
    ],
)
def test_abstention_cue(answer: str, cue_part: str) -> None:
    cue = detect_abstention(answer).cue
    assert cue is not None and cue_part in cue


def test_partial_abstention_scores_mid() -> None:
    detection = detect_abstention("The context does not say X, but Y is 5 [2].")
    assert not detection.detected
    assert 0.0 < detection.score < 0.5
    assert detection.cue is not None


def test_detection_scores_in_range_and_frozen() -> None:
    for answer in ABSTAIN + ANSWERED:
        assert 0.0 <= detect_abstention(answer).score <= 1.0
    for answer in CONFLICT + NO_CONFLICT:
        assert 0.0 <= detect_conflict(answer).score <= 1.0
    detection = detect_conflict("The sources disagree.")
    assert isinstance(detection, Detection)
    with pytest.raises(ValueError):
        detection.detected = False  # type: ignore[misc]


def test_no_cue_means_zero() -> None:
    assert detect_abstention("Paris [1].") == Detection(detected=False, score=0.0, cue=None)
    assert detect_conflict("Paris [1].") == Detection(detected=False, score=0.0, cue=None)
