"""Reading modalities and conditions from clinic service texts."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from directory.normalise.services import classify_services
from directory.vocab import Condition, Modality


@pytest.mark.parametrize(
    ("text", "modality"),
    [
        ("IV ketamine infusions", Modality.IV_INFUSION),
        ("Ketamine infusion therapy", Modality.IV_INFUSION),
        ("Spravato", Modality.INTRANASAL_ESKETAMINE),
        ("esketamine nasal spray", Modality.INTRANASAL_ESKETAMINE),
        ("IM ketamine", Modality.INTRAMUSCULAR),
        ("intramuscular injections", Modality.INTRAMUSCULAR),
        ("sublingual", Modality.ORAL_SUBLINGUAL),
        ("at-home lozenges", Modality.ORAL_SUBLINGUAL),
        ("Troches", Modality.ORAL_SUBLINGUAL),
        ("oral ketamine", Modality.ORAL_SUBLINGUAL),
        ("Ketamine-Assisted Psychotherapy", Modality.KETAMINE_ASSISTED_PSYCHOTHERAPY),
        ("KAP", Modality.KETAMINE_ASSISTED_PSYCHOTHERAPY),
        ("psychedelic-assisted therapy with ketamine", Modality.KETAMINE_ASSISTED_PSYCHOTHERAPY),
    ],
)
def test_classify_services_reads_modalities(text, modality):
    assert classify_services([text])[0] == {modality}


@pytest.mark.parametrize(
    ("text", "conditions"),
    [
        (
            "treatment-resistant depression",
            {Condition.TREATMENT_RESISTANT_DEPRESSION, Condition.DEPRESSION},
        ),
        ("TRD", {Condition.TREATMENT_RESISTANT_DEPRESSION, Condition.DEPRESSION}),
        ("major depressive disorder", {Condition.DEPRESSION}),
        ("Anxiety", {Condition.ANXIETY}),
        ("PTSD", {Condition.PTSD}),
        ("post-traumatic stress", {Condition.PTSD}),
        ("OCD", {Condition.OCD}),
        ("bipolar depression", {Condition.BIPOLAR_DEPRESSION, Condition.DEPRESSION}),
        ("suicidal ideation", {Condition.SUICIDAL_IDEATION}),
        ("suicidal thoughts", {Condition.SUICIDAL_IDEATION}),
        ("chronic pain", {Condition.CHRONIC_PAIN}),
        ("CRPS", {Condition.CHRONIC_PAIN}),
        ("fibromyalgia", {Condition.CHRONIC_PAIN}),
        ("Migraine", {Condition.MIGRAINE}),
        ("substance use", {Condition.SUBSTANCE_USE}),
        ("alcohol use disorder", {Condition.SUBSTANCE_USE}),
        ("addiction", {Condition.SUBSTANCE_USE}),
    ],
)
def test_classify_services_reads_conditions(text, conditions):
    assert classify_services([text])[1] == conditions


@pytest.mark.parametrize(
    "text", ["I'm happy to help", "Stage IV", "him", "Contact us", "Kaplan Street", "pharmacy"]
)
def test_classify_services_needs_whole_words(text):
    assert classify_services([text]) == (frozenset(), frozenset())


def test_classify_services_collects_across_texts():
    modalities, conditions = classify_services(["IV ketamine infusions", "Spravato for TRD"])
    assert modalities == {Modality.IV_INFUSION, Modality.INTRANASAL_ESKETAMINE}
    assert Condition.TREATMENT_RESISTANT_DEPRESSION in conditions


@given(st.lists(st.text()))
def test_classify_services_stays_in_the_vocabularies(texts):
    modalities, conditions = classify_services(texts)
    assert all(isinstance(m, Modality) for m in modalities)
    assert all(isinstance(c, Condition) for c in conditions)


@pytest.mark.parametrize(
    "text",
    [
        "IM ketamine is an effective, lower-cost alternative to IV infusions for depression.",
        "Unlike IV infusion clinics, we treat you with intramuscular ketamine.",
        "We do not offer infusions; intramuscular ketamine only.",
        "We no longer provide infusions. Intramuscular ketamine is available.",
        "Intramuscular ketamine, rather than an infusion, in our office.",
    ],
)
def test_a_service_named_in_contrast_is_not_offered(text):
    modalities, _ = classify_services([text])
    assert modalities == {Modality.INTRAMUSCULAR}


def test_the_contrast_ends_with_its_clause():
    modalities, conditions = classify_services(
        ["Unlike oral ketamine, ours is given as an IV infusion. We treat PTSD."]
    )
    assert modalities == {Modality.IV_INFUSION}
    assert conditions == {Condition.PTSD}
