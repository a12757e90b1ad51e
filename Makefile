# 社区调研分析 — the front door. `make help` lists the targets.
# Everything installs into ./.venv from requirements.lock (hashes pinned); nothing outside this folder is touched.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
UV_VERSION := 0.13.9
STAMP := $(VENV)/.installed
WAVE ?= 2026
KERNEL := community-survey
# JupyterLab refuses to start as root (containers) unless told; only then
ALLOW_ROOT := $(shell test "$$(id -u)" = 0 && echo --allow-root)

.DEFAULT_GOAL := help

help: ## 列出所有命令 / list the targets
	@grep -E '^[a-z][a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null || { \
	  echo "需要 Python 3.11（requirements.lock 按 3.11 锁定）：$(PYTHON) 不是。可用 make PYTHON=python3.11 …"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	@$(UV) pip sync --quiet --python $(PY) --require-hashes --compile-bytecode requirements.lock   # .pyc now: a kernel imports pandas and matplotlib in seconds even where Python may not write them
	@$(UV) pip install --quiet --python $(PY) --no-deps --no-build-isolation -e .
	@$(PY) -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "社区调研分析 (.venv)" >/dev/null   # JupyterLab's kernel: this .venv (rewritten on every install)
	@touch $@

install: $(STAMP) ## 建立项目环境 (.venv)，依赖全部来自 requirements.lock

lock: ## 重新生成 requirements.lock (修改 pyproject.toml 的依赖之后)
	@test -x $(UV) || { $(PYTHON) -m venv $(VENV) && $(PY) -m pip install --quiet "uv==$(UV_VERSION)"; }
	$(UV) pip compile --quiet pyproject.toml --extra dev --generate-hashes --universal --python-version 3.11 -o requirements.lock

reports: $(STAMP) ## 清洗 data/raw/<批次>/ 的问卷并为每个区县生成报告 → reports/<批次>/index.html (批次默认 2026，可用 WAVE=2027)
	@$(VENV)/bin/survey build --wave $(WAVE)

test: lint ## 运行全部测试（先做代码检查）
	@$(PY) -m pytest

lint: $(STAMP) ## 代码检查 (ruff：pyflakes、导入顺序、bugbear)
	@$(VENV)/bin/ruff check src tests benchmarks

format: $(STAMP) ## 按 ruff 的格式整理指定文件：make format FILES="src/analysis/x.py"
	@test -n "$(FILES)" || { echo "用 FILES=… 指定要整理的文件（整个代码库不做一次性重排）"; exit 2; }
	@$(VENV)/bin/ruff format $(FILES)

prepare: $(STAMP) ## 只清洗数据 → data/processed/<批次>/
	@$(VENV)/bin/survey prepare --wave $(WAVE)

lab: $(STAMP) ## 用项目环境打开 JupyterLab (notebooks/)；还没有清洗过的数据时先清洗
	@test -f data/processed/$(WAVE)/manifest.json || $(VENV)/bin/survey prepare --wave $(WAVE)
	@$(VENV)/bin/jupyter lab $(ALLOW_ROOT) --MappingKernelManager.default_kernel_name=$(KERNEL) notebooks/

sample: $(STAMP) ## 重新生成 data/raw/ 中的示例数据 (确定性的合成数据)
	@$(VENV)/bin/survey make-sample --wave $(WAVE)

clean: ## 删除生成的文件 (data/processed/, reports/)，不动 data/raw/
	rm -rf data/processed/$(WAVE) reports/$(WAVE)

.PHONY: help install lock prepare reports test lint format lab sample clean
