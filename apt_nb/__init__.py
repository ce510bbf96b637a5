"""apt_nb: a notebook-first reference implementation of APT (Adaptive Pruning and Tuning, ICML 2024).

This file is hand-written (nbdev only updates `__version__`). Public names are imported lazily, so
`import apt_nb` stays fast and transformers/evaluate load only when a name that needs them is used.
"""
__version__ = "0.1.0"

import importlib

_LAZY = {
    "core": ["seed_everything", "quiet_hf", "tiny_tokenizer", "tiny_config", "tiny_model", "count_params",
             "count_layer_params", "FAMILIES"],
    "adapter": ["APTLinear"],
    "wrap": ["APTConfig", "get_apt_model", "get_masks", "set_masks", "describe"],
    "compression": ["compress", "save_pruned", "load_pruned", "pruning_plan", "pruned_param_count",
                    "prune_student"],
    "salience": ["Salience"],
    "search": ["search_keep", "BlockList", "CostModel"],
    "schedule": ["PruningSchedule"],
    "rank_growth": ["AdapterImportance", "grow_ranks", "rebuild_optimizer"],
    "distill": ["Distiller", "Teacher"],
    "controller": ["APTController", "StepInfo"],
    "presets": ["PRESETS", "Preset", "get_preset"],
    "training": ["train", "report", "METHODS", "TrainingInterrupted", "Evaluator"],
    "data": ["TASKS", "TaskSpec", "TaskData", "get_task", "load_task", "tokenize_task", "data_collator",
             "qa_predictions", "resolve_data_dir", "DataNotFoundError", "DataFormatError"],
    "metrics": ["compute_metrics", "accuracy", "f1", "matthews_correlation", "pearson", "spearman",
                "squad_v2", "rouge"],
    "explorer": ["Explorer", "ExplorerUI", "build_explorer_cache", "build_stand_in"],
    "cofi": ["CoFi", "L0Gates", "expected_sparsity"],
    "mask_tuning": ["mask_tuning_prune"],
    "models": ["MODEL_ALIASES", "resolve_model", "load_model", "load_tokenizer", "minilm_path",
               "smollm2_path", "ModelNotAvailableError"],
}
_WHERE = {name: mod for mod, names in _LAZY.items() for name in names}
__all__ = sorted(_WHERE) + ["__version__"]


def __getattr__(name):
    if name in _WHERE:
        value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'apt_nb' has no attribute {name!r}")


def __dir__():
    return __all__
