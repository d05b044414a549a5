#!/usr/bin/env python3
"""Checks dialogs/flow.schema.json.

    check_flows.py SOURCE_DIR [--tandem PATH] [--example DIR]

- every dialogs/*.json flow (comments allowed) must be valid against the schema;
- a flow using every step kind, and a few small edge-case flows, must be accepted;
- small invalid flows (unknown field, bad kind, comfort without when_low, ...) must be rejected.

With --tandem PATH (or the environment variable TANDEM_BIN) the same flows also go through the
real loader, `tandem lint`, each laid out as X/dialogs/<id>.json beside a minimal
X/locales/en/<id>.arb and X/locales/en/ui.arb: the valid ones must load without a problem and
each invalid one must be refused with the loader's own message, so the schema and the loader
cannot drift apart unnoticed. --example DIR writes the every-kind flow laid out that way.

Prints one line per check and ends with "N passed, M failed"; exits 1 on any failure.
Needs Debian's python3-jsonschema (or any jsonschema >= 4).
"""

import copy
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path


# ---------------------------------------------------------------------------------------------
# Comments

def strip_comments(text):
    """Replaces // and /* */ comments outside strings with spaces (newlines are kept, so line
    numbers stay right). Raises ValueError on an unterminated comment or string."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            if j >= n:
                raise ValueError("unterminated string")
            out.append(text[i:j + 1])
            i = j + 1
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            if j < 0:
                raise ValueError("unterminated /* comment")
            out.append("".join(ch if ch == "\n" else " " for ch in text[i:j + 2]))
            i = j + 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def parse_flow_text(text):
    return json.loads(strip_comments(text))


# ---------------------------------------------------------------------------------------------
# Test flows

def flow(*steps, **top):
    """A small flow around `steps`; keyword arguments add or replace top-level fields
    (a value of None removes the field)."""
    doc = {"format": 1, "id": "t", "version": "1", "title": "title", "description": "description",
           "steps": list(steps)}
    for key, value in top.items():
        key = "$schema" if key == "schema" else key
        if value is None:
            doc.pop(key, None)
        else:
            doc[key] = value
    return doc


def step(id, kind, **fields):
    return with_fields({"id": id, "kind": kind}, **fields)


def with_fields(base, **changes):
    """A copy of the step `base` with fields replaced (a value of None removes the field)."""
    out = copy.deepcopy(base)
    for key, value in changes.items():
        key = {"else_": "else", "if_": "if"}.get(key, key)
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


END = step("end", "end", to="both", message="bye")
HELLO = step("hello", "say", to="both", message="hello")
TEXT = step("ask", "ask", to="a", input="text", prompt="q", capture="answer")
CHOICE = step("ask", "ask", to="a", input="choice", prompt="q", capture="answer",
              options=[{"value": "yes", "label": "opt.yes"}, {"value": "no", "label": "opt.no"}])
SCALE = step("ask", "ask", to="both", input="scale", prompt="q", capture="calm", low="calm.low", high="calm.high")
COMFORT = with_fields(SCALE, comfort=True, when_low="end")
MULTI = step("ask", "ask", to="a", input="multi", prompt="q", capture="chosen",
             options=[{"value": "walk", "label": "opt.walk"}, {"value": "talk", "label": "opt.talk"},
                      {"value": "cook", "label": "opt.cook"}])
REFLECT = step("mirror", "reflect", capture="mirrored",
               prompts={"mirror": "m.mirror", "check": "m.check", "got_it": "m.got_it", "more": "m.more",
                        "clarify": "m.clarify", "again": "m.again", "enough": "m.enough"})
PRIVATE = step("wishes", "private", prompt="wishes.prompt", capture="wishes", items=["item.one", "item.two"],
               reveal={"shared": "wishes.shared", "none": "wishes.none", "maybes": "wishes.maybes"})
TIMER = step("breathe", "timer", to="both", message="breathe", seconds=60, pacing="box")
IDEA = step("idea", "ask", to="speaker", input="text", prompt="idea.prompt", capture="idea")
PROPOSAL = step("ask", "ask", to="listener", input="choice", prompt="q", capture="answer", proposal="idea",
                options=[{"value": "yes", "label": "opt.yes", "consent": "yes"},
                         {"value": "maybe", "label": "opt.maybe", "consent": "tentative"},
                         {"value": "no", "label": "opt.no", "consent": "soft_no"}])
WRITE = step("save", "agreement", action="write", set={"pause_word": "answer"})


def branch(cond, **fields):
    return step("route", "branch", rules=[{"if": cond, "goto": "end"}], **fields)


# A valid flow that uses every step kind, every input, every condition form and every common field.
ALL_KINDS = {
    "$schema": "./flow.schema.json",
    "format": 1,
    "id": "all-kinds",
    "version": "1.0.0",
    "title": "title",
    "description": "description",
    "minutes": 20,
    "comfort_threshold": 5,
    "params": {
        "topic": {"type": "text", "default": "our week"},
        "rounds": {"type": "number", "default": 2},
    },
    "steps": [
        {"id": "welcome", "kind": "say", "to": "both", "message": "welcome", "args": ["a", "b", "topic"]},
        {"id": "ready", "kind": "ask", "to": "both", "input": "yes_maybe_no", "prompt": "ready.prompt",
         "capture": "ready"},
        {"id": "route-ready", "kind": "branch",
         "rules": [{"if": {"any": [{"var": "ready_a", "eq": "no"}, {"var": "ready_b", "eq": "no"}]},
                    "goto": "later"}]},
        {"id": "feeling", "kind": "ask", "to": "speaker", "input": "feeling", "prompt": "feeling.prompt",
         "args": ["speaker"], "capture": "feeling"},
        {"id": "mirror", "kind": "reflect", "capture": "mirrored", "max_rounds": 2, "args": ["speaker", "listener"],
         "prompts": {"mirror": "mirror.prompt", "check": "mirror.check", "got_it": "mirror.got_it",
                     "more": "mirror.more", "clarify": "mirror.clarify", "again": "mirror.again",
                     "enough": "mirror.enough"}},
        {"id": "ideas", "kind": "ask", "to": "listener", "input": "multi", "prompt": "ideas.prompt",
         "capture": "chosen", "min": 1, "max": 2, "args": ["listener"],
         "options": [{"value": "walk", "label": "ideas.walk"}, {"value": "talk", "label": "ideas.talk"},
                     {"value": "cook", "label": "ideas.cook"}]},
        {"id": "idea", "kind": "ask", "to": "speaker", "input": "text", "prompt": "idea.prompt",
         "args": ["speaker", "chosen"], "capture": "idea"},
        {"id": "answer", "kind": "ask", "to": "listener", "input": "choice", "prompt": "answer.prompt",
         "args": ["speaker", "listener", "idea"], "capture": "answer", "proposal": "idea",
         "options": [{"value": "yes", "label": "answer.yes", "consent": "yes"},
                     {"value": "tentative", "label": "answer.tentative", "consent": "tentative"},
                     {"value": "soft_no", "label": "answer.soft_no", "consent": "soft_no"},
                     {"value": "talk", "label": "answer.talk"}]},
        {"id": "route-answer", "kind": "branch",
         "rules": [{"if": {"all": [{"var": "answer", "ne": "soft_no"},
                                   {"not": {"var": "answer", "in": ["talk"]}}]},
                    "goto": "calm"}],
         "else": "swap-roles"},
        {"id": "calm", "kind": "ask", "to": "both", "input": "scale", "prompt": "calm.prompt", "capture": "calm",
         "min": 0, "max": 10, "low": "calm.low", "high": "calm.high", "comfort": True, "when_low": "ground"},
        {"id": "touch", "kind": "timer", "to": "both", "message": "touch", "seconds": 120, "pacing": "resonance",
         "escalates": True, "decline": "swap-roles"},
        {"id": "wishes", "kind": "private", "prompt": "wishes.prompt", "capture": "wishes",
         "items": ["item.walk", "item.massage", "item.dance"],
         "reveal": {"shared": "wishes.shared", "none": "wishes.none", "maybes": "wishes.maybes"}},
        {"id": "route-wishes", "kind": "branch",
         "rules": [{"if": {"any": [{"var": "wishes_maybe", "eq": []}, {"var": "chosen", "has": "walk"}]},
                    "goto": "save"}]},
        {"id": "maybes", "kind": "say", "to": "both", "message": "maybes", "args": ["wishes_maybe"]},
        {"id": "save", "kind": "agreement", "action": "write", "set": {"wishes": "wishes_shared"},
         "message": "saved", "args": ["agreement_version", "agreement_changed"]},
        {"id": "route-saved", "kind": "branch",
         "rules": [{"if": {"all": [{"var": "agreement_version", "gt": 0}, {"var": "swaps", "le": 3},
                                   {"var": "calm_a", "lt": 11}, {"var": "calm_b", "ge": 0},
                                   {"var": "agreement_changed", "ne": []}]},
                    "goto": "swap-roles"}],
         "else": "swap-roles"},
        {"id": "swap-roles", "kind": "swap", "message": "swapped", "args": ["speaker", "listener"]},
        {"id": "done", "kind": "ask", "to": "both", "input": "confirm", "prompt": "done.prompt", "label": "done.label",
         "capture": "done"},
        {"id": "load", "kind": "agreement", "action": "read"},
        {"id": "close", "kind": "end", "to": "both", "message": "close", "args": ["a", "b", "swaps", "agreement_wishes"]},
        {"id": "later", "kind": "end", "message": "later"},
        {"id": "ground", "kind": "call", "flow": "all-kinds-grounding", "next": "calm"},
    ],
}

# The flow it calls: no "minutes", so it is only ever called.
ALL_KINDS_GROUNDING = {
    "$schema": "./flow.schema.json",
    "format": 1, "id": "all-kinds-grounding", "version": "1", "title": "title", "description": "description",
    "steps": [
        {"id": "breathe", "kind": "timer", "message": "breathe", "seconds": 64, "pacing": "4-7-8"},
        {"id": "back", "kind": "end", "to": "both", "message": "back"},
    ],
}

COMMENTED = """// A flow with comments, and comment-like text inside strings.
{
  "$schema": "./flow.schema.json", /* where editors find the schema */
  "format": 1,
  "id": "commented",
  "version": "1.0 // not a comment /* nor this */",
  "title": "title",        // message keys
  "description": "description",
  "steps": [
    /* one step */ { "id": "hello", "kind": "say", "to": "both", "message": "hello" },
    { "id": "end", "kind": "end", "message": "bye" }  // the end
  ]
}
"""

# (name, flows): each flow a dict or JSON text with comments; the first is the one checked.
VALID = [
    ("a flow using every step kind", [ALL_KINDS, ALL_KINDS_GROUNDING]),
    ("a called flow without minutes", [ALL_KINDS_GROUNDING]),
    ("comments, and // and /* inside strings", [COMMENTED]),
    ("parameters of both types, minutes and threshold at their lowest",
     [flow(HELLO, END, params={"topic": {"type": "text", "default": ""}, "n": {"type": "number", "default": -3}},
           minutes=1, comfort_threshold=1)]),
    ("a scale with negative bounds", [flow(with_fields(SCALE, min=-5, max=5), END)]),
    ("a scale with only max set", [flow(with_fields(SCALE, max=3), END)]),
    ("a scale with only min set", [flow(with_fields(SCALE, min=9), END)]),
    ("several choices with min 0 and max 0 (any)", [flow(with_fields(MULTI, min=0, max=0), END)]),
    ("comparisons with lists, empty lists and agreement fields",
     [flow(MULTI, branch({"any": [{"var": "chosen", "eq": []}, {"var": "chosen", "in": []},
                                  {"var": "chosen", "in": [["walk"], 1, "x"]}, {"var": "swaps", "ne": 3},
                                  {"var": "agreement_pause_word", "eq": "stop"}]}), END)]),
    ("escalates false without decline, also on branch and end",
     [flow(with_fields(HELLO, escalates=False), branch({"var": "swaps", "eq": 0}, escalates=False),
           with_fields(END, escalates=False))]),
    ("optional fields left out: timer to/pacing, end to, swap and agreement messages",
     [flow(step("breathe", "timer", message="breathe", seconds=5), step("swap", "swap"),
           step("load", "agreement", action="read"), step("end", "end", message="bye"))]),
    ("the longest timer", [flow(with_fields(TIMER, seconds=3600), END)]),
    ("comfort false on a text question", [flow(with_fields(TEXT, comfort=False), END)]),
    ("confirm without a label, yes/maybe/no to the speaker",
     [flow(step("ok", "ask", to="both", input="confirm", prompt="q", capture="ok"),
           step("ymn", "ask", to="speaker", input="yes_maybe_no", prompt="q", capture="ymn"), END)]),
    ("an escalating swap after a comfort check",
     [flow(COMFORT, step("swap", "swap", escalates=True, decline="end"), END)]),
    ("a proposal with a soft no", [flow(IDEA, PROPOSAL, END)]),
    ("option values that are numbers written as text",
     [flow(with_fields(CHOICE, options=[{"value": "3", "label": "opt.three"}, {"value": "12", "label": "opt.twelve"},
                                        {"value": "6_weeks", "label": "opt.six"}]), END)]),
    ("args on a branch, next on a call", [flow(branch({"var": "swaps", "ge": 0}, args=["a"]),
                                            step("call", "call", flow="grounding", next="end"), END)]),
]

# (name, flow, the loader's message, or a part of it)
INVALID = [
    # top level
    ("unknown top-level field", flow(HELLO, END, author="me"), 'unknown field "author"'),
    ("format 2", flow(HELLO, END, format=2), "format 2 is not supported (this Tandem reads format 1)"),
    ("format as text", flow(HELLO, END, format="1"), '"format" must be a whole number'),
    ("missing format", flow(HELLO, END, format=None), 'missing "format"'),
    ("missing version", flow(HELLO, END, version=None), 'missing "version"'),
    ("missing title", flow(HELLO, END, title=None), 'missing "title"'),
    ("flow id with capitals", flow(HELLO, END, id="Feel_Prefer"), 'flow id "Feel_Prefer" must use lowercase letters'),
    ("flow id with a double hyphen", flow(HELLO, END, id="feel--try"), "must use lowercase letters, digits and single hyphens"),
    ("title that is not a message key", flow(HELLO, END, title="My Title"), '"My Title" is not a valid message key'),
    ("minutes 0", flow(HELLO, END, minutes=0), '"minutes" must be at least 1'),
    ("comfort_threshold 11", flow(HELLO, END, comfort_threshold=11), '"comfort_threshold" must be between 1 and 10'),
    ("comfort_threshold 0", flow(HELLO, END, comfort_threshold=0), '"comfort_threshold" must be between 1 and 10'),
    ("params as a list", flow(HELLO, END, params=[]), '"params" must map each parameter'),
    ("parameter name with capitals", flow(HELLO, END, params={"Topic": {"type": "text", "default": ""}}),
     'parameter "Topic": the name must be like "minutes"'),
    ("parameter of unknown type", flow(HELLO, END, params={"x": {"type": "bool", "default": True}}),
     'parameter "x": "type" must be text or number'),
    ("number parameter with a text default", flow(HELLO, END, params={"x": {"type": "number", "default": "5"}}),
     'parameter "x": "default" must be a whole number'),
    ("text parameter with a number default", flow(HELLO, END, params={"x": {"type": "text", "default": 5}}),
     'parameter "x": "default" must be text'),
    ("parameter without default", flow(HELLO, END, params={"x": {"type": "text"}}), 'parameter "x": missing "default"'),
    ("parameter with an unknown field", flow(HELLO, END, params={"x": {"type": "text", "default": "", "min": 1}}),
     'parameter "x": unknown field "min"'),
    ("missing steps", flow(steps=None), 'missing "steps"'),
    ("empty steps", flow(), '"steps" must list at least one step'),
    # common step fields
    ("step that is not an object", flow("hello", END), "step 1 must be a JSON object"),
    ("step without id", flow({"kind": "say", "to": "both", "message": "hello"}, END), 'step 1: missing "id"'),
    ("step id with capitals", flow(with_fields(HELLO, id="Hello"), END), "id must use lowercase letters"),
    ("unknown kind", flow(step("hello", "pause", message="hello"), END), 'unknown kind "pause"'),
    ("step without kind", flow({"id": "hello", "to": "both", "message": "hello"}, END), 'step "hello": missing "kind"'),
    ("unknown step field", flow(with_fields(HELLO, prompt="q"), END), 'unknown field "prompt" for a say step'),
    ("next that is not text", flow(with_fields(HELLO, next=2), END), '"next" must be text'),
    ("argument with capitals", flow(with_fields(HELLO, args=["Speaker"]), END),
     'each argument must be a name like "speaker" or "proposal"'),
    ("args that is not a list", flow(with_fields(HELLO, args="speaker"), END), '"args" must be a list of names'),
    ("escalates without decline", flow(COMFORT, with_fields(HELLO, escalates=True), END),
     'an escalating step needs "decline": where to go if a check-in says not now'),
    ("decline without escalates", flow(with_fields(HELLO, decline="end"), END),
     '"decline" only belongs to an escalating step'),
    ("decline with escalates false", flow(with_fields(HELLO, escalates=False, decline="end"), END),
     '"decline" only belongs to an escalating step'),
    ("escalates that is not true or false", flow(with_fields(HELLO, escalates="yes", decline="end"), END),
     '"escalates" must be true or false'),
    ("an escalating branch", flow(branch({"var": "swaps", "eq": 0}, escalates=True, decline="end"), END),
     "a branch step cannot escalate"),
    ("an escalating end", flow(HELLO, with_fields(END, escalates=True, decline="hello")), "step cannot escalate"),
    ("a branch with next", flow(branch({"var": "swaps", "eq": 0}, next="end"), END),
     'unknown field "next" for a branch step'),
    ("an end with next", flow(HELLO, with_fields(END, next="hello")), 'unknown field "next" for an end step'),
    # say
    ("say without to", flow(with_fields(HELLO, to=None), END), 'step "hello": missing "to"'),
    ("say to nobody", flow(with_fields(HELLO, to="everyone"), END),
     '"to" must be a, b, both, speaker or listener, not "everyone"'),
    ("say without message", flow(with_fields(HELLO, message=None), END), 'missing "message"'),
    ("message key with a hyphen", flow(with_fields(HELLO, message="good-bye"), END), "is not a valid message key"),
    # ask
    ("ask without input", flow(with_fields(TEXT, input=None), END), 'missing "input"'),
    ("unknown input", flow(with_fields(TEXT, input="slider"), END),
     'unknown input "slider" (expected text, choice, multi, scale, feeling, yes_maybe_no or confirm)'),
    ("ask without capture", flow(with_fields(TEXT, capture=None), END), 'missing "capture"'),
    ("capture with a hyphen", flow(with_fields(TEXT, capture="my-answer"), END), '"capture" must be a name like "proposal"'),
    ("ask without prompt", flow(with_fields(TEXT, prompt=None), END), 'missing "prompt"'),
    ("choice with one option", flow(with_fields(CHOICE, options=CHOICE["options"][:1]), END),
     "a choice needs at least two options"),
    ("choice without options", flow(with_fields(CHOICE, options=None), END), "a choice needs at least two options"),
    ("options on a text question", flow(with_fields(TEXT, options=CHOICE["options"]), END),
     '"options" only belong to a choice or several choices'),
    ("option with an unknown field", flow(with_fields(CHOICE, options=[{"value": "yes", "label": "y", "hint": "h"},
                                                                       {"value": "no", "label": "n"}]), END),
     'option 1: unknown field "hint"'),
    ("option value with a hyphen", flow(with_fields(CHOICE, options=[{"value": "not-now", "label": "y"},
                                                                      {"value": "no", "label": "n"}]), END),
     'option 1: "value" must be a name like "soft_no"'),
    ("option value starting with _", flow(with_fields(CHOICE, options=[{"value": "_no", "label": "y"},
                                                                        {"value": "no", "label": "n"}]), END),
     'option 1: "value" must be a name like "soft_no"'),
    ("option without label", flow(with_fields(CHOICE, options=[{"value": "yes"}, {"value": "no", "label": "n"}]), END),
     'option 1: missing "label"'),
    ("unknown consent", flow(with_fields(CHOICE, options=[{"value": "yes", "label": "y", "consent": "maybe"},
                                                          {"value": "no", "label": "n"}]), END),
     'unknown consent "maybe" (expected yes, tentative or soft_no)'),
    ("consent on several choices", flow(with_fields(MULTI, options=[{"value": "yes", "label": "y", "consent": "yes"},
                                                                    {"value": "no", "label": "n"}]), END),
     '"consent" belongs to the options of a single choice'),
    ("proposal without a soft no", flow(IDEA, with_fields(PROPOSAL, options=PROPOSAL["options"][:2]), END),
     'a proposal needs an option with "consent": "soft_no", so it can always be declined'),
    ("proposal on a text question", flow(IDEA, with_fields(TEXT, proposal="idea"), END),
     'a proposal needs an option with "consent": "soft_no"'),
    ("scale without low and high", flow(with_fields(SCALE, low=None, high=None), END), 'missing "low"'),
    ("scale with min 10 and the default max", flow(with_fields(SCALE, min=10), END),
     'scale "min" must be less than "max"'),
    ("scale with max 0 and the default min", flow(with_fields(SCALE, max=0), END),
     'scale "min" must be less than "max"'),
    ("scale min that is not a whole number", flow(with_fields(SCALE, min="1"), END), '"min" must be a whole number'),
    ("min on a choice", flow(with_fields(CHOICE, min=1), END),
     '"min", "max", "low" and "high" only belong to a scale or several choices'),
    ("low on several choices", flow(with_fields(MULTI, low="calm.low"), END),
     '"min", "max", "low" and "high" only belong to a scale or several choices'),
    ("several choices with a negative min", flow(with_fields(MULTI, min=-1), END),
     'several choices need 0 ≤ "min" ≤ "max" ≤ the number of options'),
    ("label on a text question", flow(with_fields(TEXT, label="ok"), END), '"label" only belongs to a confirmation'),
    ("comfort without when_low", flow(with_fields(SCALE, comfort=True), END),
     'a comfort check needs "when_low": a grounding step or a step back'),
    ("when_low without comfort", flow(with_fields(SCALE, when_low="end"), END),
     '"when_low" only belongs to a comfort check'),
    ("comfort on a text question", flow(with_fields(TEXT, comfort=True, when_low="end"), END),
     "a comfort check must be a scale"),
    ("comfort that is not true or false", flow(with_fields(SCALE, comfort="yes", when_low="end"), END),
     '"comfort" must be true or false'),
    ("reflect with to", flow(with_fields(REFLECT, to="both"), END), 'unknown field "to" for a reflect step'),
    # reflect
    ("reflect without prompts", flow(with_fields(REFLECT, prompts=None), END), "a reflect step needs \"prompts\" with"),
    ("reflect missing the enough prompt", flow(with_fields(REFLECT, prompts={k: v for k, v in REFLECT["prompts"].items()
                                                                             if k != "enough"}), END),
     'missing "enough"'),
    ("reflect with an unknown prompt", flow(with_fields(REFLECT, prompts={**REFLECT["prompts"], "extra": "m.extra"}), END),
     'unknown prompt "extra"'),
    ("reflect with max_rounds 11", flow(with_fields(REFLECT, max_rounds=11), END), '"max_rounds" must be between 1 and 10'),
    ("reflect without capture", flow(with_fields(REFLECT, capture=None), END), 'missing "capture"'),
    # private
    ("private without items", flow(with_fields(PRIVATE, items=[]), END), 'a private step needs a list of "items"'),
    ("private with an item twice", flow(with_fields(PRIVATE, items=["item.one", "item.one"]), END),
     'item "item.one" is listed twice'),
    ("private item that is not a message key", flow(with_fields(PRIVATE, items=["Item One"]), END),
     "each item must be a message key"),
    ("private without reveal", flow(with_fields(PRIVATE, reveal=None), END), 'a private step needs "reveal" with'),
    ("reveal without maybes", flow(with_fields(PRIVATE, reveal={"shared": "s", "none": "n"}), END), 'missing "maybes"'),
    ("reveal with an unknown message", flow(with_fields(PRIVATE, reveal={**PRIVATE["reveal"], "all": "a"}), END),
     'unknown reveal message "all"'),
    ("private with to", flow(with_fields(PRIVATE, to="both"), END), 'unknown field "to" for a private step'),
    # swap
    ("swap with to", flow(step("swap", "swap", to="both"), END), 'unknown field "to" for a swap step'),
    # timer
    ("timer of 3 seconds", flow(with_fields(TIMER, seconds=3), END), '"seconds" must be between 5 and 3600'),
    ("timer of 3601 seconds", flow(with_fields(TIMER, seconds=3601), END), '"seconds" must be between 5 and 3600'),
    ("timer without seconds", flow(with_fields(TIMER, seconds=None), END), 'missing "seconds"'),
    ("timer with unknown pacing", flow(with_fields(TIMER, pacing="slow"), END),
     'unknown pacing "slow" (expected none, box, 4-7-8 or resonance)'),
    ("timer without message", flow(with_fields(TIMER, message=None), END), 'missing "message"'),
    # branch and conditions
    ("branch without rules", flow(step("route", "branch", rules=[]), END), 'a branch needs at least one rule in "rules"'),
    ("rule with an unknown field", flow(step("route", "branch", rules=[{"if": {"var": "swaps", "eq": 0}, "goto": "end",
                                                                         "then": "end"}]), END),
     'rule 1: unknown field "then"'),
    ("rule without if", flow(step("route", "branch", rules=[{"goto": "end"}]), END), 'rule 1: missing "if"'),
    ("rule without goto", flow(step("route", "branch", rules=[{"if": {"var": "swaps", "eq": 0}}]), END),
     'rule 1: missing "goto"'),
    ("unknown comparison", flow(branch({"var": "swaps", "contains": 1}), END),
     'unknown comparison "contains" (expected eq, ne, lt, le, gt, ge, in or has)'),
    ("lt with text", flow(branch({"var": "swaps", "lt": "3"}), END), '"lt" compares numbers, not text'),
    ("has with a number", flow(branch({"var": "swaps", "has": 1}), END), '"has" looks for one text value'),
    ("in with a single value", flow(branch({"var": "swaps", "in": 1}), END), '"in" needs a list of values'),
    ("eq with true", flow(branch({"var": "swaps", "eq": True}), END), "values must be text, whole numbers or lists of text"),
    ("eq with a list of numbers", flow(branch({"var": "swaps", "eq": [1]}), END),
     "values must be text, whole numbers or lists of text"),
    ("two comparisons in one condition", flow(branch({"var": "swaps", "gt": 0, "lt": 3}), END),
     'a condition is {"var": …, "eq": …} or has exactly one of "all", "any", "not"'),
    ("a condition without a comparison", flow(branch({"var": "swaps"}), END),
     'a condition is {"var": …, "eq": …} or has exactly one of "all", "any", "not"'),
    ("all with another field", flow(branch({"all": [{"var": "swaps", "eq": 0}], "any": []}), END),
     'a condition is {"var": …, "eq": …} or has exactly one of "all", "any", "not"'),
    ("all with an empty list", flow(branch({"all": []}), END), '"all" needs a list of conditions'),
    ("not with a list", flow(branch({"not": [{"var": "swaps", "eq": 0}]}), END), "a condition must be a JSON object"),
    ("var that is not text", flow(branch({"var": 1, "eq": 0}), END), '"var" must be the name of a captured value'),
    ("var with capitals", flow(branch({"var": "Swaps", "eq": 0}), END), '"var" must be the name of a captured value'),
    ("goto that is not a step id", flow(step("route", "branch", rules=[{"if": {"var": "swaps", "eq": 0},
                                                                       "goto": "The End"}]), END),
     'unknown target "The End"'),
    # agreement
    ("agreement with an unknown action", flow(step("save", "agreement", action="delete"), END),
     '"action" must be read or write'),
    ("agreement without action", flow(step("save", "agreement"), END), 'missing "action"'),
    ("read with set", flow(TEXT, step("load", "agreement", action="read", set={"pause_word": "answer"}), END),
     '"set" only belongs to a write'),
    ("write without set", flow(step("save", "agreement", action="write"), END),
     'a write needs "set": each agreement field and the variable it takes'),
    ("write with an empty set", flow(step("save", "agreement", action="write", set={}), END),
     'a write needs "set": each agreement field and the variable it takes'),
    ("agreement field with capitals", flow(TEXT, with_fields(WRITE, set={"PauseWord": "answer"}), END),
     'agreement field "PauseWord" must be a name like "pause_word"'),
    ("agreement field set to a number", flow(TEXT, with_fields(WRITE, set={"pause_word": 1}), END),
     'agreement field "pause_word" must name a variable'),
    # call
    ("call without flow", flow(step("call", "call"), END), 'missing "flow"'),
    ("call with a bad flow id", flow(step("call", "call", flow="Grounding"), END),
     '"flow" must be a flow id like "grounding"'),
    ("call with message", flow(step("call", "call", flow="grounding", message="m"), END),
     'unknown field "message" for a call step'),
    # end
    ("end without message", flow(HELLO, with_fields(END, message=None)), 'missing "message"'),
    ("end with to nobody", flow(HELLO, with_fields(END, to="all")), '"to" must be a, b, both, speaker or listener'),
    ("end with decline", flow(HELLO, with_fields(END, decline="hello")), '"decline" only belongs to an escalating step'),
]


# ---------------------------------------------------------------------------------------------
# The real loader

KEY = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")


def message_keys(doc):
    """Every message key a (possibly invalid) flow refers to, for a minimal English catalog."""
    keys = set()

    def add(value):
        if isinstance(value, str) and KEY.match(value):
            keys.add(value)

    if not isinstance(doc, dict):
        return keys
    add(doc.get("title"))
    add(doc.get("description"))
    for s in doc.get("steps") or []:
        if not isinstance(s, dict):
            continue
        for field in ("message", "prompt", "low", "high", "label"):
            add(s.get(field))
        for o in s.get("options") or []:
            if isinstance(o, dict):
                add(o.get("label"))
        for group in ("prompts", "reveal"):
            if isinstance(s.get(group), dict):
                for value in s[group].values():
                    add(value)
        if isinstance(s.get("items"), list):
            for item in s["items"]:
                add(item)
        if isinstance(s.get("set"), dict):
            for field in s["set"]:
                add("field." + field)  # a label for each written field, for "what changed"
    return keys


def lay_out(root, flows):
    """Writes flows as root/dialogs/<id>.json with root/locales/en/<id>.arb and ui.arb."""
    dialogs = Path(root, "dialogs")
    english = Path(root, "locales", "en")
    dialogs.mkdir(parents=True, exist_ok=True)
    english.mkdir(parents=True, exist_ok=True)
    (english / "ui.arb").write_text(json.dumps({"@@locale": "en", "ui.locale_name": "English"}, indent=2) + "\n")
    for number, f in enumerate(flows):
        text = f if isinstance(f, str) else json.dumps(f, indent=2, ensure_ascii=False) + "\n"
        try:
            doc = parse_flow_text(text)
        except ValueError:
            doc = None
        flow_id = doc.get("id") if isinstance(doc, dict) and isinstance(doc.get("id"), str) else f"flow-{number}"
        name = flow_id if re.fullmatch(r"[A-Za-z0-9_-]+", flow_id) else f"flow-{number}"
        (dialogs / f"{name}.json").write_text(text, encoding="utf-8")
        catalog = {"@@locale": "en"}
        for key in sorted(message_keys(doc)):
            catalog[key] = "Text of " + key
        (english / f"{flow_id}.arb").write_text(json.dumps(catalog, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return dialogs


def lint(tandem, flows):
    """Runs `tandem lint X/dialogs` on the flows; returns (exit code, output)."""
    with tempfile.TemporaryDirectory(prefix="tandem-schema-") as root:
        dialogs = lay_out(root, flows)
        run = subprocess.run([tandem, "lint", str(dialogs)], capture_output=True, text=True, timeout=60)
        output = (run.stdout + run.stderr).replace(str(dialogs) + os.sep, "")
        return run.returncode, output


# ---------------------------------------------------------------------------------------------

def main(argv):
    args = argv[1:]
    tandem = os.environ.get("TANDEM_BIN") or None
    example = None
    if "--tandem" in args:
        i = args.index("--tandem")
        tandem = args[i + 1]
        del args[i:i + 2]
    if "--example" in args:
        i = args.index("--example")
        example = args[i + 1]
        del args[i:i + 2]
    if len(args) != 1:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    source = Path(args[0])

    if example:
        dialogs = lay_out(example, [ALL_KINDS, ALL_KINDS_GROUNDING])
        print(f"wrote {dialogs}; check it with: tandem lint {dialogs}")
        return 0

    passed = failed = 0

    def check(ok, name, detail=""):
        nonlocal passed, failed
        if ok:
            passed += 1
            print(f"PASS {name}")
        else:
            failed += 1
            print(f"FAIL {name}" + (f": {detail}" if detail else ""))

    try:
        import jsonschema
    except ImportError:
        check(False, "import jsonschema", "install Debian's python3-jsonschema")
        print(f"{passed} passed, {failed} failed")
        return 1

    schema_path = source / "dialogs" / "flow.schema.json"
    try:
        schema = json.loads(schema_path.read_text(encoding="utf-8"))
        jsonschema.Draft202012Validator.check_schema(schema)
        check(True, "the schema is a valid draft 2020-12 schema")
    except (OSError, ValueError, jsonschema.exceptions.SchemaError) as e:
        check(False, "the schema is a valid draft 2020-12 schema", str(e).splitlines()[0])
        print(f"{passed} passed, {failed} failed")
        return 1
    validator = jsonschema.Draft202012Validator(schema)

    def problems(doc):
        errors = sorted(validator.iter_errors(doc), key=lambda e: (len(e.path), list(map(str, e.path))))
        return ["/" + "/".join(map(str, e.path)) + ": " + e.message for e in errors]

    # The comment stripper itself.
    check(strip_comments('{"a": "x // y /* z */"} // c') == '{"a": "x // y /* z */"}     ',
          "comment stripper keeps // and /* inside strings")
    check(strip_comments('{"a": "q\\" // still text"}') == '{"a": "q\\" // still text"}',
          "comment stripper handles escaped quotes")
    check(strip_comments("/* a\nb */1") == "    \n    1", "comment stripper keeps line breaks")

    # The shipped flows.
    shipped = sorted(p for p in (source / "dialogs").glob("*.json") if not p.name.endswith(".schema.json"))
    check(bool(shipped), "there are flows in dialogs/")
    for path in shipped:
        name = f"schema accepts dialogs/{path.name}"
        try:
            doc = parse_flow_text(path.read_text(encoding="utf-8"))
        except ValueError as e:
            check(False, name, f"not JSON: {e}")
            continue
        found = problems(doc)
        check(not found, name, "; ".join(found[:3]))

    # Valid and invalid flows written here.
    for name, flows in VALID:
        try:
            doc = flows[0] if isinstance(flows[0], dict) else parse_flow_text(flows[0])
        except ValueError as e:
            check(False, f"schema accepts {name}", f"not JSON: {e}")
            continue
        found = problems(doc)
        check(not found, f"schema accepts {name}", "; ".join(found[:3]))
    for name, doc, _ in INVALID:
        check(bool(problems(doc)), f"schema rejects {name}", "the schema accepts it")

    # The same flows through the real loader.
    if not tandem:
        print("SKIP the loader cross-check (give --tandem PATH or set TANDEM_BIN)")
    elif not os.access(tandem, os.X_OK):
        check(False, "the loader cross-check", f"{tandem} is not an executable")
    else:
        for name, flows in VALID:
            code, output = lint(tandem, flows)
            check(code == 0, f"loader accepts {name}", output.strip().replace("\n", " | "))
        for name, doc, message in INVALID:
            code, output = lint(tandem, [doc])
            check(code == 1 and message in output, f"loader rejects {name}",
                  f"expected \"{message}\", got: " + output.strip().replace("\n", " | "))

    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
