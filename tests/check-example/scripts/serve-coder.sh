#!/bin/sh
# Code assistant on the two-GPU build server.
set -eu
MODEL=Qwen/Qwen2.5-14B-Instruct
exec vllm serve "$MODEL" \
  --tensor-parallel-size 2 \
  --max-model-len 16384 \
  --kv-cache-dtype fp8 \
  --port 8001
