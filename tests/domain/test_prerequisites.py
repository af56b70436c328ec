from __future__ import annotations

from zi_assess.domain.prerequisites import check_prerequisites, load_prerequisites

GOOD_KL = {
    "opini_bpk": "WTP", "sakip_instansi": "BB", "indeks_rb": "BB", "spip_level": 3, "layanan_utama": True,
    "tl_apip_bpk_persen": 100, "lhkpn_persen": 100, "lhkasn_persen": 100, "bulan_membangun_zi": 14, "sakip_unit": "BB",
}


def test_all_met_for_a_ministry_unit():
    rules = load_prerequisites()
    for predicate in ("WBK", "WBBM"):
        result = check_prerequisites(rules, predicate, GOOD_KL, instansi_kind="kementerian")
        assert result.passed and result.failures == ()


def test_grades_and_minimums_per_predicate_and_instansi_kind():
    rules = load_prerequisites()
    values = GOOD_KL | {"sakip_instansi": "B", "indeks_rb": "CC", "spip_level": 2}
    wbk = check_prerequisites(rules, "WBK", values, instansi_kind="kementerian")
    assert {c.rule for c in wbk.failures} == {"indeks_rb", "spip_level"}  # K/L needs Indeks RB ≥ B
    pemda = check_prerequisites(rules, "WBK", values, instansi_kind="pemkot")
    assert {c.rule for c in pemda.failures} == {"spip_level"}  # pemda needs only CC
    wbbm = check_prerequisites(rules, "WBBM", values, instansi_kind="pemkot", current_predicate="WBK",
                               requires_predicate="WBK")
    assert {c.rule for c in wbbm.failures} == {"sakip_instansi", "indeks_rb", "spip_level"}


def test_missing_values_are_not_passes():
    result = check_prerequisites(load_prerequisites(), "WBK", {}, instansi_kind="kementerian")
    assert not result.passed and all(c.status == "missing" for c in result.failures) and len(result.failures) == 10


def test_afirmasi_units_may_be_proposed_while_unmet():
    rules = load_prerequisites()
    values = GOOD_KL | {"tl_apip_bpk_persen": 80}
    rsud = check_prerequisites(rules, "WBK", values, instansi_kind="pemkot", unit_type="rsud")
    assert rsud.afirmasi and rsud.passed and rsud.failures[0].waived
    ministry = check_prerequisites(rules, "WBK", values, instansi_kind="kementerian", unit_type="rsud")
    assert not ministry.afirmasi and not ministry.passed


def test_wbbm_needs_a_current_wbk_predicate():
    rules = load_prerequisites()
    result = check_prerequisites(rules, "WBBM", GOOD_KL, instansi_kind="kementerian", current_predicate=None,
                                 requires_predicate="WBK")
    assert [(c.rule, c.status) for c in result.failures] == [("predikat", "fail")]
