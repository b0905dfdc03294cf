"""Probabilities of the seed page through load_predictor, for either layout: python seedproba.py BUNDLE OUT.json"""
import json, sys
try:
    from arclf.prediction.inputs import iter_inputs
except ImportError:
    from arclf.textio import iter_inputs
from arclf.bundle import load_predictor
rec = next(iter_inputs(["/work/shared/seeds/000_26ca645f85f02cb2.txt"]))
pred = load_predictor(sys.argv[1])
out = {task: {"classes": [str(c) for c in classes], "proba": [float(p) for p in proba[0]]}
       for task, (classes, proba) in pred.predict_proba([rec["text"]]).items()}
json.dump({"ant-sections": out}, open(sys.argv[2], "w"), indent=1)
