"""Notebooks written the way course notebooks are, as their tools save them (hand-written JSON).

Each is a learner's notebook for one exercise in the style of a real course or textbook chapter:
the lesson's own cells (data loading, downloads, plots, prints, training) around the graded
functions, with the metadata, ids and outputs the tool that saved it writes. ``FAIR`` is what a
fair instructor gives: the checks that must fail (an empty set: full marks), and why.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass, field
from pathlib import Path

from support import solution_source


def _lines(source: str) -> list[str]:
    """A cell's source as Jupyter saves it: a list of lines, each but the last ending in a newline."""
    lines = source.strip("\n").split("\n")
    return [line + "\n" for line in lines[:-1]] + [lines[-1]]


def _functions(exercise: str, *names: str) -> str:
    """The learner's answers for ``names``: the reference solution's functions of those names."""
    source = solution_source(exercise)
    tree = ast.parse(source)
    found = {node.name: ast.get_source_segment(source, node) for node in tree.body if isinstance(node, ast.FunctionDef)}
    return "\n\n\n".join(found[name] for name in names)


def code(source: str, *, count: int | None = None, outputs: list | None = None, **metadata) -> dict:
    return {
        "cell_type": "code",
        "execution_count": count,
        "metadata": metadata,
        "outputs": outputs or [],
        "source": _lines(source),
    }


def markdown(source: str, **metadata) -> dict:
    return {"cell_type": "markdown", "metadata": metadata, "source": _lines(source)}


def stdout(text: str) -> dict:
    return {"name": "stdout", "output_type": "stream", "text": _lines(text)}


def notebook(cells: list[dict], metadata: dict, *, minor: int = 5) -> dict:
    if minor >= 5:
        for index, cell in enumerate(cells):
            cell.setdefault("id", f"c{index:04d}")
    return {"cells": cells, "metadata": metadata, "nbformat": 4, "nbformat_minor": minor}


@dataclass
class CourseNotebook:
    name: str
    exercise: str
    data: dict
    failing: set[str] = field(default_factory=set)  # the checks a fair instructor fails; empty: full marks
    slow: bool = False  # imports TensorFlow in the worker, as the course's notebook does

    def write(self, folder: Path, file_name: str) -> Path:
        path = folder / self.name / file_name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.data, ensure_ascii=False, indent=1), encoding="utf-8")
        return path


PYTHON3 = {"display_name": "Python 3", "language": "python", "name": "python3"}
JUPYTERLAB = {
    "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
    "language_info": {
        "codemirror_mode": {"name": "ipython", "version": 3},
        "file_extension": ".py",
        "mimetype": "text/x-python",
        "name": "python",
        "nbconvert_exporter": "python",
        "pygments_lexer": "ipython3",
        "version": "3.11.5",
    },
}
COLAB = {
    "colab": {"provenance": [], "collapsed_sections": [], "toc_visible": True, "gpuType": "T4"},
    "kernelspec": {"name": "python3", "display_name": "Python 3"},
    "language_info": {"name": "python"},
    "accelerator": "GPU",
}
VSCODE = {
    "kernelspec": {"display_name": ".venv", "language": "python", "name": "python3"},
    "language_info": {"name": "python", "version": "3.12.3"},
    "orig_nbformat": 4,
    "vscode": {"interpreter": {"hash": "4f9b1c0c2f8e3e0a6c6d8b5d1c2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e"}},
}


# ----------------------------------------------------------------------------- 혼공머신 ch.3-4: scaling with pandas
HONGONG_SCALING = CourseNotebook(
    "hongong_ch4_scaling",
    "exercise-01",
    notebook(
        [
            markdown("# 4-1 로지스틱 회귀\n\n## 데이터 준비하기"),
            code(
                "import pandas as pd\n\nfish = pd.read_csv('https://bit.ly/fish_csv_data')\nfish.head()",
                count=1,
            ),
            code("print(pd.unique(fish['Species']))", count=2, outputs=[stdout("['Bream' 'Roach' 'Whitefish']")]),
            code(
                "fish_input = fish[['Weight','Length','Diagonal','Height','Width']].to_numpy()\n"
                "fish_target = fish['Species'].to_numpy()",
                count=3,
            ),
            code(
                "from sklearn.model_selection import train_test_split\n\n"
                "train_input, test_input, train_target, test_target = train_test_split(\n"
                "    fish_input, fish_target, random_state=42)",
                count=4,
            ),
            code(
                "from sklearn.preprocessing import StandardScaler\n\nss = StandardScaler()\n"
                "ss.fit(train_input)\ntrain_scaled = ss.transform(train_input)\ntest_scaled = ss.transform(test_input)",
                count=5,
            ),
            markdown("## 직접 구현해 보기\n\n훈련 세트의 통계로만 변환합니다 (데이터 누수 방지)."),
            code(
                "import numpy as np\n\n"
                "def min_max_scale(train, *others):\n"
                "    train = np.asarray(train, dtype=float)\n"
                "    mn = train.min(axis=0)\n"
                "    rng = train.max(axis=0) - mn\n"
                "    rng[rng < 1e-12] = 1  # 상수 열은 0으로\n"
                "    return tuple((np.asarray(a, dtype=float) - mn) / rng for a in (train, *others))\n",
                count=6,
            ),
            code(
                "def standardize(train, *others):\n"
                "    train = np.asarray(train, dtype=float)\n"
                "    mean = np.mean(train, axis=0)\n"
                "    std = np.std(train, axis=0)  # StandardScaler와 같은 모집단 표준편차\n"
                "    std[std < 1e-12] = 1  # 상수 열 (반올림 오차로 0이 아닐 수도 있음)\n"
                "    return tuple((np.asarray(a, dtype=float) - mean) / std for a in (train, *others))\n",
                count=7,
            ),
            code(
                "# 직접 만든 함수와 StandardScaler 비교\n"
                "mine, _ = standardize(train_input, test_input)\n"
                "print(np.allclose(mine, train_scaled))",
                count=8,
                outputs=[stdout("True")],
            ),
            code(
                "def scale_pixels(images):\n    return np.asarray(images).astype('float32') / 255.0\n\n\n"
                "def flatten_images(images):\n    images = np.asarray(images)\n    return images.reshape(len(images), -1)",
                count=9,
            ),
            code("train_scaled[:5]", count=10),
        ],
        {"kernelspec": PYTHON3, "language_info": {"name": "python"}},
        minor=4,
    ),
)

# ----------------------------------------------------------------------------- Hands-On ML 3rd ed. ch.10
HANDSON_CH10 = CourseNotebook(
    "handson_ch10",
    "exercise-06",
    notebook(
        [
            markdown("**Chapter 10 – Introduction to Artificial Neural Networks with Keras**"),
            markdown("# Setup"),
            code("import sys\n\nassert sys.version_info >= (3, 7)"),
            code(
                "from packaging import version\nimport sklearn\n\n"
                'assert version.parse(sklearn.__version__) >= version.parse("1.0.1")'
            ),
            code(
                "import matplotlib.pyplot as plt\n\n"
                "plt.rc('font', size=14)\nplt.rc('axes', labelsize=14, titlesize=14)\nplt.rc('legend', fontsize=14)"
            ),
            code(
                "from pathlib import Path\n\n"
                'IMAGES_PATH = Path() / "images" / "ann"\nIMAGES_PATH.mkdir(parents=True, exist_ok=True)\n\n'
                'def save_fig(fig_id, tight_layout=True, fig_extension="png", resolution=300):\n'
                '    path = IMAGES_PATH / f"{fig_id}.{fig_extension}"\n'
                "    if tight_layout:\n        plt.tight_layout()\n"
                "    plt.savefig(path, format=fig_extension, dpi=resolution)"
            ),
            markdown("## The Perceptron"),
            code(
                "import numpy as np\nfrom sklearn.datasets import load_iris\nfrom sklearn.linear_model import Perceptron\n\n"
                "iris = load_iris(as_frame=True)\n"
                'X = iris.data[["petal length (cm)", "petal width (cm)"]].values\n'
                "y = (iris.target == 0)  # Iris setosa\n\n"
                "per_clf = Perceptron(random_state=42)\nper_clf.fit(X, y)\n\n"
                "X_new = [[2, 0.5], [3, 1]]\ny_pred = per_clf.predict(X_new)  # predicts True and False for these 2 flowers"
            ),
            code("y_pred"),
            markdown("## Activation functions"),
            code(
                "def sigmoid(z):\n    return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))\n\n"
                "def relu(z):\n    return np.maximum(0, np.asarray(z, dtype=float))\n\n"
                "def tanh(z):\n    return np.tanh(z)\n\n"
                "def leaky_relu(z, alpha=0.01):\n    z = np.asarray(z, dtype=float)\n    return np.where(z > 0, z, alpha * z)\n\n"
                "def derivative(f, z, eps=0.000001):\n    return (f(z + eps) - f(z - eps)) / (2 * eps)\n\n"
                "max_z = 4.5\nz = np.linspace(-max_z, max_z, 200)\n\n"
                "plt.figure(figsize=(11, 3.1))\n\nplt.subplot(121)\n"
                'plt.plot([-max_z, 0], [0, 0], "r-", linewidth=2, label="Heaviside")\n'
                'plt.plot(z, np.tanh(z), "b-", linewidth=1, label="Tanh")\n'
                "plt.grid()\nplt.legend()\n\n"
                'save_fig("activation_functions_plot")\nplt.show()'
            ),
            code(
                "def softmax(z):\n"
                "    z = np.asarray(z, dtype=float)\n"
                "    e = np.exp(z - np.max(z, axis=-1, keepdims=True))\n"
                "    return e / np.sum(e, axis=-1, keepdims=True)\n\n\n"
                "ACTIVATIONS = {None: lambda z: z, 'linear': lambda z: z, 'sigmoid': sigmoid, 'tanh': tanh,\n"
                "               'relu': relu, 'leaky_relu': leaky_relu, 'softmax': softmax}\n\n\n"
                "def dense_forward(x, weights, bias, activation=None):\n"
                "    z = np.asarray(x, dtype=float) @ np.asarray(weights, dtype=float) + np.asarray(bias, dtype=float)\n"
                "    return ACTIVATIONS[activation](z)\n\n\n"
                "def forward(x, layers):\n    for weights, bias, activation in layers:\n"
                "        x = dense_forward(x, weights, bias, activation)\n    return x"
            ),
            markdown("## Regression MLPs"),
            code(
                "from sklearn.datasets import fetch_california_housing\n"
                "from sklearn.model_selection import train_test_split\n"
                "from sklearn.metrics import mean_squared_error\n"
                "from sklearn.neural_network import MLPRegressor\n"
                "from sklearn.pipeline import make_pipeline\n"
                "from sklearn.preprocessing import StandardScaler\n\n"
                "housing = fetch_california_housing()\n"
                "X_train_full, X_test, y_train_full, y_test = train_test_split(\n"
                "    housing.data, housing.target, random_state=42)\n"
                "X_train, X_valid, y_train, y_valid = train_test_split(\n"
                "    X_train_full, y_train_full, random_state=42)\n\n"
                "mlp_reg = MLPRegressor(hidden_layer_sizes=[50, 50, 50], random_state=42)\n"
                "pipeline = make_pipeline(StandardScaler(), mlp_reg)\npipeline.fit(X_train, y_train)\n"
                "y_pred = pipeline.predict(X_valid)\n"
                "rmse = mean_squared_error(y_valid, y_pred, squared=False)"
            ),
            code("rmse"),
            code(
                "EPS = 1e-7\n\n"
                "def mse(y_true, y_pred):\n"
                "    return float(np.mean((np.asarray(y_true, dtype=float) - np.asarray(y_pred, dtype=float)) ** 2))\n\n"
                "def binary_crossentropy(y_true, p):\n"
                "    y_true, p = np.asarray(y_true, dtype=float), np.clip(np.asarray(p, dtype=float), EPS, 1 - EPS)\n"
                "    return float(-np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p)))\n\n"
                "def categorical_crossentropy(y_true_onehot, p):\n"
                "    p = np.clip(np.asarray(p, dtype=float), EPS, 1 - EPS)\n"
                "    return float(-np.mean(np.sum(np.asarray(y_true_onehot, dtype=float) * np.log(p), axis=-1)))"
            ),
        ],
        JUPYTERLAB,
    ),
)

# ----------------------------------------------------------------------------- Kaggle "Intro to Deep Learning"
KAGGLE = CourseNotebook(
    "kaggle_intro_dl",
    "exercise-04",
    notebook(
        [
            markdown(
                "**This notebook is an exercise in the [Intro to Deep Learning](https://www.kaggle.com/learn/"
                "intro-to-deep-learning) course.**"
            ),
            code(
                "# Setup plotting\nimport matplotlib.pyplot as plt\n\nplt.style.use('seaborn-v0_8-whitegrid')\n"
                "# Set Matplotlib defaults\nplt.rc('figure', autolayout=True)\n"
                "plt.rc('axes', labelweight='bold', labelsize='large',\n"
                "       titleweight='bold', titlesize=18, titlepad=10)\n\n"
                "# Setup feedback system\nfrom learntools.core import binder\nbinder.bind(globals())\n"
                "from learntools.deep_learning_intro.ex1 import *\nimport numpy as np",
                count=1,
                outputs=[stdout("Setup Complete")],
            ),
            code(
                "import pandas as pd\n\nred_wine = pd.read_csv('../input/dl-course-data/red-wine.csv')\nred_wine.head()",
                count=2,
            ),
            code("red_wine.shape # (rows, columns)", count=3),
            markdown("# 1) Input shape #"),
            code("# YOUR CODE HERE\ninput_shape = [11]\n\n# Check your answer\nq_1.check()", count=4),
            code("# Lines below will give you a hint or solution code\n#q_1.hint()\n#q_1.solution()", count=5),
            markdown("# 2) Count the weights #"),
            code(
                "def dense_params(n_inputs, units, use_bias=True):\n"
                "    # one weight per input per unit, and one bias per unit\n"
                "    return n_inputs * units + (units if use_bias else 0)\n\n\n"
                "def mlp_params(n_inputs, layer_units):\n"
                "    total, fan_in = 0, n_inputs\n"
                "    for units in layer_units:\n"
                "        total += dense_params(fan_in, units)\n"
                "        fan_in = units\n"
                "    return total\n\n\n"
                "print(dense_params(input_shape[0], 1))",
                count=6,
                outputs=[stdout("12")],
            ),
            code(
                "def conv2d_params(kernel_size, in_channels, filters, use_bias=True):\n"
                "    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size\n"
                "    return (kh * kw * in_channels + int(use_bias)) * filters\n\n\n"
                "def batchnorm_params(channels):\n    return 2 * channels, 2 * channels\n\n\n"
                "def flatten_params():\n    return 0\n\n\ndef pooling_params():\n    return 0",
                count=7,
            ),
            code("q_2.check()", count=8),
        ],
        {
            "kernelspec": PYTHON3,
            "language_info": JUPYTERLAB["language_info"],
            "kaggle": {"accelerator": "none", "dataSources": [{"datasetId": 829369, "sourceType": "datasetVersion"}]},
        },
    ),
)

# ----------------------------------------------------------------------------- Colab, with Drive
COLAB_DRIVE = CourseNotebook(
    "colab_drive",
    "exercise-03",
    notebook(
        [
            markdown("# 손실 함수 고르기", id="Xj2k3Lm4"),
            code(
                "from google.colab import drive\ndrive.mount('/content/drive')",
                count=1,
                id="aB3dE5fG",
                colab={"base_uri": "https://localhost:8080/"},
                outputId="9c1e2d3f-aaaa-bbbb-cccc-1234567890ab",
                outputs=[stdout("Mounted at /content/drive")],
            ),
            code("%cd /content/drive/MyDrive/AIVLE/week3\n!ls", count=2, id="hI7jK9lM"),
            code(
                "try:\n  import google.colab\n  IN_COLAB = True\nexcept ImportError:\n  IN_COLAB = False\n\n"
                "if IN_COLAB:\n  !pip install -q kerasdrill",
                count=3,
                id="nO1pQ3rS",
            ),
            code(
                "import numpy as np\n\nTASKS = ('regression', 'binary', 'multiclass', 'multilabel')\n\n"
                "def output_layer_for(task, n_classes=None):\n"
                "  if task not in TASKS:\n    raise ValueError(f'unknown task: {task}')\n"
                "  if task == 'regression':\n    return (1, None)\n"
                "  if task == 'binary':\n    return (1, 'sigmoid')\n"
                "  if task == 'multiclass':\n    return (n_classes, 'softmax')\n"
                "  return (n_classes, 'sigmoid')\n\n"
                "def loss_for(task, label_format='integer'):\n"
                "  if task not in TASKS:\n    raise ValueError(f'unknown task: {task}')\n"
                "  if task == 'regression':\n    return 'mse'\n"
                "  if task in ('binary', 'multilabel'):\n    return 'binary_crossentropy'\n"
                "  if label_format == 'onehot':\n    return 'categorical_crossentropy'\n"
                "  return 'sparse_categorical_crossentropy'",
                count=4,
                id="tU5vW7xY",
            ),
            code(
                "def one_hot(labels, n_classes):\n"
                "  return np.eye(n_classes, dtype='float32')[np.asarray(labels, dtype=int)]\n\n"
                "def predict_classes(probabilities):\n"
                "  p = np.asarray(probabilities)\n"
                "  if p.ndim == 2 and p.shape[1] > 1:\n    return p.argmax(axis=1)\n"
                "  return (p.reshape(-1) >= 0.5).astype(int)\n\n"
                "print(one_hot([0, 2], 3))",
                count=5,
                id="zA9bC1dE",
                outputs=[stdout("[[1. 0. 0.]\n [0. 0. 1.]]")],
            ),
            code("data = np.load('/content/drive/MyDrive/AIVLE/week3/labels.npy')\ndata.shape", id="fG3hI5jK"),
        ],
        COLAB,
        minor=0,
    ),
)

# ----------------------------------------------------------------------------- VS Code: a script pasted into cells
VSCODE_MAIN = CourseNotebook(
    "vscode_main_block",
    "exercise-07",
    notebook(
        [
            code("import math\n\nimport numpy as np"),
            code(
                "def iterations_per_epoch(n_samples, batch_size):\n"
                "    return math.ceil(n_samples / batch_size)\n\n\n"
                "def gradient_step(w, b, x, y, learning_rate):\n"
                "    x, y, w = np.asarray(x, dtype=float), np.asarray(y, dtype=float), np.asarray(w, dtype=float)\n"
                "    error = x @ w + b - y\n"
                "    dw = 2 / len(y) * x.T @ error\n    db = 2 * np.mean(error)\n"
                "    return w - learning_rate * dw, float(b - learning_rate * db)\n\n\n"
                "def fit_linear(x, y, learning_rate=0.01, epochs=100):\n"
                "    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)\n"
                "    w, b = np.zeros(x.shape[1]), 0.0\n    losses = []\n"
                "    for _ in range(epochs):\n"
                "        w, b = gradient_step(w, b, x, y, learning_rate)\n"
                "        losses.append(float(np.mean((x @ w + b - y) ** 2)))\n"
                "    return w, b, losses"
            ),
            code(
                'if __name__ == "__main__":\n'
                "    # the perceptron part, written as a script\n"
                "    def step_function(z):\n"
                "        return np.where(np.asarray(z) >= 0, 1, 0)\n\n"
                "    def perceptron_train(x, y, epochs=10, learning_rate=1.0):\n"
                "        x, y = np.asarray(x, dtype=float), np.asarray(y)\n"
                "        w, b = np.zeros(x.shape[1]), 0.0\n"
                "        for epoch in range(epochs):\n"
                "            for xi, target in zip(x, y):\n"
                "                update = learning_rate * (target - step_function(xi @ w + b))\n"
                "                w, b = w + update * xi, b + update\n"
                "            print(f'epoch {epoch}: w={w}, b={b}')\n"
                "        return w, float(b)\n\n"
                "    def xor_separable():\n"
                "        return False\n\n"
                "    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])\n"
                "    for name, y in {'AND': [0, 0, 0, 1], 'OR': [0, 1, 1, 1]}.items():\n"
                "        print(name, perceptron_train(X, y))"
            ),
        ],
        VSCODE,
    ),
)

# ----------------------------------------------------------------------------- JupyterLab: a cell that stops halfway
JUPYTERLAB_STOPPED = CourseNotebook(
    "jupyterlab_stopped_cell",
    "exercise-13",
    notebook(
        [
            markdown("# Convolution by hand", **{"jp-MarkdownHeadingCollapsed": True, "tags": []}),
            code(
                "import math\n\nimport numpy as np\n\n\n" + _functions("exercise-13", "_pair"),
                count=1,
                tags=[],
                execution={"iopub.execute_input": "2026-11-30T09:12:01.102Z", "shell.execute_reply": "2026-11-30"},
            ),
            code(_functions("exercise-13", "_same_padding", "conv2d"), count=2, tags=[]),
            code(
                "# the edge filter from the lecture, as a 3x3 grid\n"
                "EDGE = np.array([1, 0, -1] * 3, dtype=np.float32)\n"
                "EDGE_3x3 = EDGE.reshape(3, 4)\n\n\n"
                + _functions("exercise-13", "_pool", "max_pool2d", "average_pool2d"),
                count=3,
                tags=[],
                outputs=[
                    {
                        "ename": "ValueError",
                        "evalue": "cannot reshape array of size 9 into shape (3,4)",
                        "output_type": "error",
                        "traceback": ["\u001b[0;31mValueError\u001b[0m  Traceback (most recent call last)"],
                    }
                ],
            ),
        ],
        JUPYTERLAB,
    ),
    failing={"max_pool_valid", "max_pool_same", "average_pool"},  # cell 4 stops at line 3, before its defs
)

# ----------------------------------------------------------------------------- nbformat 3 (IPython 2 era)
NBFORMAT3 = CourseNotebook(
    "nbformat3",
    "exercise-04",
    {
        "metadata": {"name": "", "signature": "sha256:0f3c5d9e2b7a"},
        "nbformat": 3,
        "nbformat_minor": 0,
        "worksheets": [
            {
                "cells": [
                    {"cell_type": "heading", "level": 1, "metadata": {}, "source": ["Counting parameters"]},
                    {
                        "cell_type": "code",
                        "collapsed": False,
                        "input": _lines("%pylab inline\nimport numpy as np"),
                        "language": "python",
                        "metadata": {},
                        "outputs": [{"output_type": "stream", "stream": "stdout", "text": ["Populating..."]}],
                        "prompt_number": 1,
                    },
                    {
                        "cell_type": "code",
                        "collapsed": False,
                        "input": _lines(
                            "def dense_params(n_inputs, units, use_bias=True):\n"
                            "    return n_inputs * units + units * int(use_bias)\n\n"
                            "def mlp_params(n_inputs, layer_units):\n"
                            "    sizes = [n_inputs] + list(layer_units)\n"
                            "    return sum(dense_params(a, b) for a, b in zip(sizes[:-1], sizes[1:]))\n\n"
                            "def conv2d_params(kernel_size, in_channels, filters, use_bias=True):\n"
                            "    if isinstance(kernel_size, int):\n        kernel_size = (kernel_size, kernel_size)\n"
                            "    return (kernel_size[0] * kernel_size[1] * in_channels + int(use_bias)) * filters\n\n"
                            "def batchnorm_params(channels):\n    return (2 * channels, 2 * channels)\n\n"
                            "def flatten_params():\n    return 0\n\ndef pooling_params():\n    return 0\n\n"
                            "print mlp_params(784, [300, 100, 10])"
                        ),
                        "language": "python",
                        "metadata": {},
                        "outputs": [],
                        "prompt_number": 2,
                    },
                    {
                        "cell_type": "code",
                        "collapsed": False,
                        "input": _lines(
                            "def dense_params(n_inputs, units, use_bias=True):\n"
                            "    return n_inputs * units + units * int(use_bias)\n\n"
                            "def mlp_params(n_inputs, layer_units):\n"
                            "    sizes = [n_inputs] + list(layer_units)\n"
                            "    return sum(dense_params(a, b) for a, b in zip(sizes[:-1], sizes[1:]))\n\n"
                            "def conv2d_params(kernel_size, in_channels, filters, use_bias=True):\n"
                            "    if isinstance(kernel_size, int):\n        kernel_size = (kernel_size, kernel_size)\n"
                            "    return (kernel_size[0] * kernel_size[1] * in_channels + int(use_bias)) * filters\n\n"
                            "def batchnorm_params(channels):\n    return (2 * channels, 2 * channels)\n\n"
                            "def flatten_params():\n    return 0\n\ndef pooling_params():\n    return 0\n\n"
                            "print(mlp_params(784, [300, 100, 10]))"
                        ),
                        "language": "python",
                        "metadata": {},
                        "outputs": [{"output_type": "stream", "stream": "stdout", "text": ["266610\n"]}],
                        "prompt_number": 3,
                    },
                ],
                "metadata": {},
            }
        ],
    },
)

# ----------------------------------------------------------------------------- 혼공머신 7-1, with Keras (TensorFlow)
HONGONG_KERAS = CourseNotebook(
    "hongong_ch7_keras",
    "exercise-01",
    notebook(
        [
            markdown("# 7-1 인공 신경망\n\n## 패션 MNIST"),
            code(
                "from tensorflow import keras\n\n"
                "(train_input, train_target), (test_input, test_target) = keras.datasets.fashion_mnist.load_data()"
            ),
            code("print(train_input.shape, train_target.shape)"),
            code(
                "import matplotlib.pyplot as plt\n\nfig, axs = plt.subplots(1, 10, figsize=(10,10))\n"
                "for i in range(10):\n    axs[i].imshow(train_input[i], cmap='gray_r')\n    axs[i].axis('off')\nplt.show()"
            ),
            code("import numpy as np\n\nprint(np.unique(train_target, return_counts=True))"),
            markdown("## 로지스틱 회귀로 패션 아이템 분류하기"),
            code(
                "train_scaled = train_input / 255.0\ntrain_scaled = train_scaled.reshape(-1, 28*28)\n\n"
                "print(train_scaled.shape)"
            ),
            code(
                "def scale_pixels(images):\n    # 0~255 픽셀 값을 0~1로\n"
                "    return np.asarray(images, dtype=np.float32) / 255.0\n\n"
                "def flatten_images(images):\n    images = np.asarray(images)\n"
                "    return images.reshape(images.shape[0], -1)  # (샘플 수, 28*28)\n\n"
                "def min_max_scale(train, *others):\n    train = np.asarray(train, dtype=float)\n"
                "    lo, hi = train.min(axis=0), train.max(axis=0)\n    span = np.where(hi - lo > 1e-12, hi - lo, 1.0)\n"
                "    return tuple((np.asarray(x, dtype=float) - lo) / span for x in (train,) + others)\n\n"
                "def standardize(train, *others):\n    train = np.asarray(train, dtype=float)\n"
                "    mean, std = train.mean(axis=0), train.std(axis=0)\n    std = np.where(std > 1e-12, std, 1.0)\n"
                "    return tuple((np.asarray(x, dtype=float) - mean) / std for x in (train,) + others)"
            ),
            code(
                "from sklearn.model_selection import cross_validate\nfrom sklearn.linear_model import SGDClassifier\n\n"
                "sc = SGDClassifier(loss='log_loss', max_iter=5, random_state=42)\n\n"
                "scores = cross_validate(sc, train_scaled, train_target, n_jobs=-1)\n"
                "print(np.mean(scores['test_score']))"
            ),
            markdown("## 인공 신경망"),
            code(
                "from sklearn.model_selection import train_test_split\n\n"
                "train_scaled, val_scaled, train_target, val_target = train_test_split(\n"
                "    train_scaled, train_target, test_size=0.2, random_state=42)"
            ),
            code(
                "dense = keras.layers.Dense(10, activation='softmax', input_shape=(784,))\n"
                "model = keras.Sequential(dense)"
            ),
            code("model.compile(loss='sparse_categorical_crossentropy', metrics='accuracy')"),
            code("model.fit(train_scaled, train_target, epochs=5)"),
            code("model.evaluate(val_scaled, val_target)"),
        ],
        {"kernelspec": PYTHON3, "language_info": {"name": "python"}, "colab": {"provenance": []}},
        minor=0,
    ),
    slow=True,
)

# ----------------------------------------------------------------------------- keras-io: mnist_convnet
KERAS_IO_CONVNET = CourseNotebook(
    "keras_io_mnist_convnet",
    "exercise-05",
    notebook(
        [
            markdown("# Simple MNIST convnet\n\n**Author:** [fchollet](https://twitter.com/fchollet)"),
            markdown("## Setup"),
            code("import numpy as np\nimport keras\nfrom keras import layers"),
            markdown("## Prepare the data"),
            code(
                "# Model / data parameters\nnum_classes = 10\ninput_shape = (28, 28, 1)\n\n"
                "# Load the data and split it between train and test sets\n"
                "(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()\n\n"
                "# Scale images to the [0, 1] range\n"
                'x_train = x_train.astype("float32") / 255\nx_test = x_test.astype("float32") / 255\n'
                "# Make sure images have shape (28, 28, 1)\n"
                "x_train = np.expand_dims(x_train, -1)\nx_test = np.expand_dims(x_test, -1)\n"
                'print("x_train shape:", x_train.shape)\nprint(x_train.shape[0], "train samples")\n'
                'print(x_test.shape[0], "test samples")\n\n\n'
                "# convert class vectors to binary class matrices\n"
                "y_train = keras.utils.to_categorical(y_train, num_classes)\n"
                "y_test = keras.utils.to_categorical(y_test, num_classes)"
            ),
            markdown("## Build the model"),
            code(
                "model = keras.Sequential(\n    [\n        keras.Input(shape=input_shape),\n"
                '        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),\n'
                "        layers.MaxPooling2D(pool_size=(2, 2)),\n"
                '        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),\n'
                "        layers.MaxPooling2D(pool_size=(2, 2)),\n        layers.Flatten(),\n"
                "        layers.Dropout(0.5),\n"
                '        layers.Dense(num_classes, activation="softmax"),\n    ]\n)\n\nmodel.summary()'
            ),
            markdown("## The shapes, by hand"),
            code("__SOLUTION__"),
            markdown("## Train the model"),
            code(
                "batch_size = 128\nepochs = 15\n\n"
                'model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])\n\n'
                "model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, validation_split=0.1)"
            ),
            markdown("## Evaluate the trained model"),
            code(
                "score = model.evaluate(x_test, y_test, verbose=0)\n"
                'print("Test loss:", score[0])\nprint("Test accuracy:", score[1])'
            ),
        ],
        JUPYTERLAB,
    ),
    slow=True,
)

# ----------------------------------------------------------------------------- Hands-On ML 3rd ed. ch.10, Keras
HANDSON_CH10_KERAS = CourseNotebook(
    "handson_ch10_keras_regression",
    "exercise-02",
    notebook(
        [
            markdown("## Building a Regression MLP Using the Sequential API"),
            code("import tensorflow as tf\n\ntf.__version__"),
            code(
                "from sklearn.datasets import fetch_california_housing\n"
                "from sklearn.model_selection import train_test_split\n\n"
                "housing = fetch_california_housing()\n"
                "X_train_full, X_test, y_train_full, y_test = train_test_split(\n"
                "    housing.data, housing.target, random_state=42)\n"
                "X_train, X_valid, y_train, y_valid = train_test_split(\n"
                "    X_train_full, y_train_full, random_state=42)"
            ),
            code(
                "tf.random.set_seed(42)\n"
                "norm_layer = tf.keras.layers.Normalization(input_shape=X_train.shape[1:])\n"
                "model = tf.keras.Sequential([\n    norm_layer,\n"
                '    tf.keras.layers.Dense(50, activation="relu"),\n'
                '    tf.keras.layers.Dense(50, activation="relu"),\n'
                '    tf.keras.layers.Dense(50, activation="relu"),\n'
                "    tf.keras.layers.Dense(1)\n])\n"
                "optimizer = tf.keras.optimizers.Adam(learning_rate=1e-3)\n"
                'model.compile(loss="mse", optimizer=optimizer, metrics=["RootMeanSquaredError"])\n'
                "norm_layer.adapt(X_train)\n"
                "history = model.fit(X_train, y_train, epochs=20,\n"
                "                    validation_data=(X_valid, y_valid))\n"
                "mse_test, rmse_test = model.evaluate(X_test, y_test)\n"
                "X_new = X_test[:3]\ny_pred = model.predict(X_new)"
            ),
            code("rmse_test"),
            code("y_pred"),
            markdown("## The exercise"),
            code(
                "def build_linear_regression(n_features):\n"
                "    return tf.keras.Sequential([tf.keras.layers.Input(shape=[n_features]), tf.keras.layers.Dense(1)])\n\n\n"
                "def build_mlp_regression(n_features, hidden_units=(64, 32)):\n"
                "    model = tf.keras.Sequential()\n"
                "    model.add(tf.keras.layers.Input(shape=[n_features]))\n"
                "    for n_units in hidden_units:\n"
                '        model.add(tf.keras.layers.Dense(n_units, activation="relu"))\n'
                "    model.add(tf.keras.layers.Dense(1))\n"
                "    return model\n\n\n"
                "def compile_regression(model, learning_rate=0.001):\n"
                "    optimizer = tf.keras.optimizers.Adam(learning_rate=learning_rate)\n"
                '    model.compile(loss="mse", optimizer=optimizer)\n'
                "    return model\n\n\n"
                "def train(model, x, y, epochs=20, validation_split=0.2):\n"
                "    history = model.fit(x, y, epochs=epochs, validation_split=validation_split, verbose=0)\n"
                "    return history.history"
            ),
            code(
                "import matplotlib.pyplot as plt\nimport pandas as pd\n\n"
                "pd.DataFrame(history.history).plot(\n"
                '    figsize=(8, 5), xlim=[0, 29], ylim=[0, 1], grid=True, xlabel="Epoch",\n'
                '    style=["r--", "r--.", "b-", "b-*"])\nplt.show()'
            ),
        ],
        JUPYTERLAB,
    ),
    slow=True,
)


FAST = [HONGONG_SCALING, HANDSON_CH10, KAGGLE, COLAB_DRIVE, VSCODE_MAIN, JUPYTERLAB_STOPPED, NBFORMAT3]
WITH_TENSORFLOW = [HONGONG_KERAS, KERAS_IO_CONVNET, HANDSON_CH10_KERAS]
ALL = FAST + WITH_TENSORFLOW
