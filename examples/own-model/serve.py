"""An Open Inference Protocol v2 server for the house-price model, with the standard library only.

Ferry starts it with $FERRY_MODEL_PATH (the model's folder), $FERRY_MODEL_VERSION and
$FERRY_SERVER_PORT; it answers GET /v2/health/ready and POST /v2/models/houses/infer."""
import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

with open(os.path.join(os.environ["FERRY_MODEL_PATH"], "model.json")) as f:
    MODEL = json.load(f)
VERSION = os.environ.get("FERRY_MODEL_VERSION", "")


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        self.reply(200 if self.path == "/v2/health/ready" else 404, {})

    def do_POST(self):
        if self.path != "/v2/models/houses/infer":
            return self.reply(404, {"error": "no such model"})
        request = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        inputs = {i["name"]: i["data"] for i in request.get("inputs", [])}
        missing = [f for f in MODEL["features"] if f not in inputs]
        if missing:
            return self.reply(400, {"error": "missing inputs: " + ", ".join(missing)})
        rows = len(inputs[MODEL["features"][0]])
        prices = [MODEL["intercept"] + sum(c * inputs[f][i] for f, c in zip(MODEL["features"], MODEL["coefficients"]))
                  for i in range(rows)]
        self.reply(200, {"model_name": "houses", "model_version": VERSION,
                         "outputs": [{"name": "price", "datatype": "FP64", "shape": [rows], "data": prices}]})

    def reply(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("", int(os.environ.get("FERRY_SERVER_PORT", "8080"))), Handler).serve_forever()
