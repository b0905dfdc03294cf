from arclf.prediction.predictor import predict, predict_files
