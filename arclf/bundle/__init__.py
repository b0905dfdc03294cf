from arclf.bundle.model import Bundle, TaskModel, load_bundle, load_predictor
