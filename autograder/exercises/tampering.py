"""Records as an attacker's kernel might send them, for the exercises' tests: a judge must answer
every tampered record with CheckFailed (or pass it where the value only explains a failure)."""
import functools
import json

from autograder import checks
from autograder.exercises import judging


@functools.cache
def _recorded(check, answer):
    return json.dumps(checks.probe(check, answer), allow_nan=False)


def record_of(check, answer):
    """The probe's record of `answer`, as the grader receives it (a fresh copy each call), its
    tensors unpacked (judging.unpacked) so that tests can change their values."""
    return judging.unpacked(json.loads(_recorded(check, answer)))


def replaced(new):
    def tamper(outcome):
        outcome.clear()
        outcome.update(new)
        return True
    return tamper


def shortened(outcome):
    value = outcome.get("value")
    for field in ("tensor", "seq"):
        if isinstance(value, dict) and isinstance(value.get(field), list) and value[field]:
            value[field].pop()
            return True
    return False


TAMPERINGS = {   # what every judge must refuse; an exercise's tests may add their own
    "a string": replaced({"value": "0.1"}),
    "a string as number": replaced({"value": {"float": "0.1"}}),
    "text in a tensor": replaced({"value": {"tensor": ["0.1", 2], "shape": [2], "dtype": "float32"}}),
    "packed values that are no base64": replaced({"value": {"packed": "0.1!", "shape": [1], "dtype": "float32"}}),
    "packed values cut short": replaced({"value": {"packed": "AAAAAAAA", "shape": [1], "dtype": "float32"}}),
    "packed values not text": replaced({"value": {"packed": [0.1], "shape": [1], "dtype": "float32"}}),
    "a pair of strings": replaced({"value": {"seq": ["loss", "norm"]}}),
    "an odd error": replaced({"error": {"nested": 1}, "type": ["x"]}),
    "nothing": replaced({}),
    "shortened": shortened,
}


def tampered_records(check, answer, tamperings=TAMPERINGS, keys=None):
    """(key, how, record) for each tampering of each key, one outcome changed in a copy of the record."""
    base = record_of(check, answer)

    def copy(key):
        outcomes = dict(base["outcomes"])
        outcomes[key] = json.loads(json.dumps(outcomes[key]))
        return {"check": base["check"], "outcomes": outcomes}

    for key in keys or list(base["outcomes"]):
        record = copy(key)
        del record["outcomes"][key]
        yield key, "deleted", record
        for name, tamper in tamperings.items():
            record = copy(key)
            if tamper(record["outcomes"][key]):
                yield key, name, record


def malformed_records(check, other):
    """Records no probe makes: wrong types, no outcomes, another check's name (`other`)."""
    return [None, "record", [], {"check": check}, {"check": check, "outcomes": []},
            {"check": other, "outcomes": {}}]


def require_refused(check, tampered, diagnostic=()):
    """Each (key, how, record) of `tampered` fails `check`'s judge with a one-sentence
    CheckFailed, unless the key it changed is in `diagnostic` (read only to explain a failure)."""
    for key, how, record in tampered:
        try:
            judging.judge(check, record)
        except judging.CheckFailed as failure:
            assert str(failure).endswith("."), (key, how, str(failure))
        else:
            assert key in diagnostic, f"{key} {how}: the record passed"
