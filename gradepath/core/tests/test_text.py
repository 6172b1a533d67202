

def test_a_label_inside_a_sentence_keeps_its_abbreviations():
    from gradepath.core.text import lower_first

    assert lower_first("Line manager reviewing the proposed JD") == "line manager reviewing the proposed JD"
    assert lower_first("HR Services to agree the amount") == "HR Services to agree the amount"
    assert lower_first("FM/HPS approval") == "FM/HPS approval"
    assert lower_first("HoD comments") == "HoD comments"
    assert lower_first("") == "" and lower_first("A") == "a"
