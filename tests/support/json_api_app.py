#!/usr/bin/python3
"""A small FastAPI service with a JSON schema of its own, unlike KServe's, for testing servebench's
`http-json` protocol: the kind of API a user writes around a model.

    json_api_app.py --model-pt FILE --port-file FILE [--api-key KEY]

POST /api/{model}/predict   {"data": {"features": [[64 floats], ...]}, "meta": {...}}
                            -> {"result": {"model": NAME, "scores": [[10 floats], ...]}}
                            needs the header X-Api-Key (401 {"detail": ...} without it)
GET  /healthz               {"status": "ok"} once the model is loaded

The model is the TorchScript file, run with Debian's torch, so what it answers is the model's
real output. It listens on a free loopback port and writes the port to --port-file.
"""

from __future__ import annotations

import argparse
import socket
import sys

import torch
import uvicorn
from fastapi import FastAPI, Header, HTTPException
from pydantic import BaseModel


class Data(BaseModel):
    features: list[list[float]]


class Request(BaseModel):
    data: Data
    meta: dict = {}


def make_app(model_path: str, api_key: str) -> FastAPI:
    torch.set_num_threads(1)
    model = torch.jit.load(model_path).eval()
    app = FastAPI()

    @app.get("/healthz")
    def healthz() -> dict:
        return {"status": "ok"}

    @app.post("/api/{name}/predict")
    def predict(name: str, request: Request, x_api_key: str | None = Header(default=None)) -> dict:
        if x_api_key != api_key:
            raise HTTPException(status_code=401, detail="missing or wrong X-Api-Key")
        x = torch.tensor(request.data.features, dtype=torch.float32)
        if x.dim() != 2 or x.shape[1] != 64:
            raise HTTPException(status_code=422, detail=f"features must be [n, 64], not {list(x.shape)}")
        with torch.no_grad():
            scores = model(x)
        return {"result": {"model": name, "scores": scores.tolist()}}

    return app


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model-pt", required=True)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--api-key", default="k1")
    args = parser.parse_args()
    app = make_app(args.model_pt, args.api_key)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    with open(args.port_file + ".tmp", "w") as out:
        out.write(str(sock.getsockname()[1]))
    import os
    os.replace(args.port_file + ".tmp", args.port_file)
    config = uvicorn.Config(app, log_level="warning", access_log=False)
    uvicorn.Server(config).run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main())
