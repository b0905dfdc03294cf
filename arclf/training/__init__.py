from arclf.training.trainer import train, TrainResult
