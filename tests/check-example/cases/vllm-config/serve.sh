#!/bin/sh
# The flags on the command line win over the config file (vLLM serve_args.md).
vllm serve --config engine.yaml --max-model-len 2048
