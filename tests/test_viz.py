"""Graph pictures: DOT text, kinds and colours, determinism, cutting big graphs, rendering."""

import math
import re
import subprocess
import sys
from pathlib import Path

import graphviz
import numpy as np
import pytest

import autograd
from autograd import Value, dot, sum_values, topological_order
from autograd.explain import explain
from autograd.viz import (
    KIND_STYLES,
    READABLE_NODES,
    BackpropSteps,
    DotNotFoundError,
    GraphPicture,
    GraphTooLargeError,
    draw_dot,
    draw_graph,
    render_svg,
    save,
    step_through,
)


def _lines(graph):
    return [line.strip() for line in graph.source.splitlines()]


def _node_line(graph, node_id):
    (line,) = [line for line in _lines(graph) if line.startswith(f"{node_id} [")]
    return line


def _edges(graph):
    return [line for line in _lines(graph) if " -> " in line]


def _product_graph():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    c.backward()
    return draw_graph(c)


def test_product_graph_has_exact_nodes_edges_labels_and_colours():
    graph = _product_graph()
    assert _lines(graph) == [
        "digraph {",
        "graph [rankdir=LR]",
        "node [fontsize=11]",
        'edge [fontcolor="#555555" fontsize=9]',
        'v0 [label="{ a | data 2 | grad -3 }" fillcolor="#fdd9b5" shape=Mrecord style=filled]',
        'v1 [label="{ b | data -3 | grad 2 }" fillcolor="#fdd9b5" shape=Mrecord style=filled]',
        'v2 [label="{ c | data -6 | grad 1 }" fillcolor="#c7e9c0" penwidth=2 shape=record '
        'style="filled,bold"]',
        'v2_op [label="*" fontsize=10 shape=ellipse]',
        "v0 -> v2_op [label=0]",
        "v1 -> v2_op [label=1]",
        "v2_op -> v2",
        "}",
    ]


def test_draw_dot_is_the_micrograd_name_and_both_are_exported():
    assert draw_dot is draw_graph
    assert autograd.draw_graph is draw_graph and autograd.draw_dot is draw_graph
    assert isinstance(_product_graph(), graphviz.Digraph)


def test_a_plus_a_draws_two_edges_with_argument_positions():
    a = Value(1.5, label="a")
    b = a + a
    b.backward()
    graph = draw_graph(b)
    assert _edges(graph) == ["v0 -> v1_op [label=0]", "v0 -> v1_op [label=1]", "v1_op -> v1"]
    assert "grad 2" in _node_line(graph, "v0")


def test_subtraction_edges_say_which_side_each_input_is_on():
    x, y = Value(5.0, label="x"), Value(1.0, label="y")
    graph = draw_graph(y - x)
    assert "{ y | data 1" in _node_line(graph, "v0")  # parents are visited in order: y, x
    assert "{ x | data 5" in _node_line(graph, "v1")
    assert "v0 -> v2_op [label=0]" in _edges(graph)
    assert "v1 -> v2_op [label=1]" in _edges(graph)
    assert 'label="-"' in _node_line(graph, "v2_op")


def test_dot_node_names_weights_inputs_and_bias():
    w = [Value(0.2, label="w1"), Value(0.3, label="w2")]
    out = dot(w, [0.35, 0.7], bias=Value(0.1, label="b"))
    graph = draw_graph(out)
    labels = sorted(re.findall(r"\[label=(\w+)\]", "\n".join(_edges(graph))))
    assert labels == ["bias", "w0", "w1", "x0", "x1"]
    assert "label=dot" in graph.source


def test_unary_ops_have_unlabelled_edges_and_their_names_on_the_op_node():
    x = Value(0.5, label="x")
    graph = draw_graph(x.tanh().exp())
    assert _edges(graph) == ["v0 -> v1_op", "v1_op -> v1", "v1 -> v2_op", "v2_op -> v2"]
    assert "label=tanh" in _node_line(graph, "v1_op")
    assert "label=exp" in _node_line(graph, "v2_op")


def test_kinds_have_distinct_styles():
    styles = {tuple(sorted(style.items())) for style in KIND_STYLES.values()}
    assert len(styles) == len(KIND_STYLES)
    assert len({style["fillcolor"] for style in KIND_STYLES.values()}) == len(KIND_STYLES)


def test_constants_parameters_intermediates_and_output_are_coloured_by_kind():
    w = Value(3.0, label="w")
    h = w * 2.0  # the 2.0 becomes a constant node
    out = h + 1.0
    graph = draw_graph(out)
    order = topological_order(out)
    expected = {w: "parameter", order[1]: "constant", h: "intermediate", out: "output"}
    for node, kind in expected.items():
        line = _node_line(graph, f"v{order.index(node)}")
        assert f'fillcolor="{KIND_STYLES[kind]["fillcolor"]}"' in line, (kind, line)
        assert f"shape={KIND_STYLES[kind]['shape']}" in line


def test_given_parameters_make_other_user_leaves_inputs():
    w, x = Value(0.5, label="w"), Value(2.0, label="x")
    out = w * x
    graph = draw_graph(out, parameters=[w])
    assert KIND_STYLES["parameter"]["fillcolor"] in _node_line(graph, "v0")
    assert KIND_STYLES["input"]["fillcolor"] in _node_line(graph, "v1")
    graph = draw_graph(out, inputs=[x])
    assert KIND_STYLES["parameter"]["fillcolor"] in _node_line(graph, "v0")
    assert KIND_STYLES["input"]["fillcolor"] in _node_line(graph, "v1")


def test_legend_lists_only_the_kinds_present():
    w = Value(3.0, label="w")
    graph = draw_graph(w * 2.0, legend=True)
    legend_nodes = re.findall(r"^\s*legend_(\w+) \[", graph.source, flags=re.MULTILINE)
    assert legend_nodes == ["parameter", "constant", "output"]
    assert "subgraph cluster_legend" in graph.source
    assert "legend_input" not in draw_graph(w * 2.0).source


def test_show_grad_false_hides_gradients_and_digits_sets_precision():
    x = Value(1 / 3, label="x")
    y = x * 3.0
    y.backward()
    assert "grad" not in draw_graph(y, show_grad=False).source
    assert "data 0.3333 " in draw_graph(y).source
    assert "data 0.33333333 " in draw_graph(y, digits=8).source


def test_labels_mapping_overrides_or_adds_names():
    x, y = Value(1.0), Value(2.0, label="y")
    out = x + y
    graph = draw_graph(out, labels={x: "first", y: "second", out: "total"})
    assert "{ first | data 1" in graph.source
    assert "{ second | data 2" in graph.source
    assert "{ total | data 3" in graph.source


def test_record_special_characters_in_labels_are_escaped_and_render():
    x = Value(1.0, label='a|b {c} <d> "e" \\f')
    graph = draw_graph(x * 2.0)
    assert r"{ a\|b \{c\} \<d\> \"e\" \\f | data 1" in graph.source
    svg = render_svg(graph)
    assert "a|b {c} &lt;d&gt;" in svg


def test_top_to_bottom_layout_lays_record_fields_side_by_side():
    x = Value(1.0, label="x")
    graph = draw_graph(x.exp(), rankdir="TB")
    assert "rankdir=TB" in graph.source
    assert 'label="x | data 1 | grad 0"' in graph.source


def test_batched_values_show_a_summary():
    xs = Value(np.array([1.0, 2.0, 3.0, 10.0]), label="xs")
    small = Value(np.array([0.5, 1.5]), label="small")
    w = Value(2.0, label="w")
    loss = (xs * w).sum() + (small * w).sum()
    loss.backward()
    graph = draw_graph(loss)
    assert "{ xs | data 4 samples, mean 4, range [1, 10] | grad 4 samples, mean 2, range [2, 2] }" in (
        graph.source
    )
    assert "{ small | data [0.5, 1.5] | grad [2, 2] }" in graph.source
    assert "{ w | data 2 | grad 18 }" in graph.source
    assert "sum over batch" in graph.source


def test_same_expression_built_twice_gives_identical_source():
    def build():
        a, b = Value(0.3, label="a"), Value(-1.2, label="b")
        c = (a * b + a).tanh() * b + 2.0
        d = sum_values([c, a, c * c])
        d.backward()
        return draw_graph(d, legend=True)

    first, second = build(), build()
    assert first.source == second.source
    ids = set(re.findall(r"^\s*(\w+) \[", first.source, flags=re.MULTILINE)) - {"graph", "node", "edge"}
    assert all(re.fullmatch(r"v\d+(_op)?|legend_\w+", node_id) for node_id in ids)


def test_node_ids_follow_the_topological_order():
    a = Value(1.0, label="a")
    out = (a * 2.0 + a).exp()
    graph = draw_graph(out)
    for i, node in enumerate(topological_order(out)):
        assert f"data {node.data:.4g}" in _node_line(graph, f"v{i}")


def test_large_graph_is_cut_with_a_note_instead_of_hanging():
    x = Value(1.0, label="x")
    y = x
    for _ in range(25_000):
        y = y * 1.0
    total = len(topological_order(y))  # 50,001 values
    graph = draw_graph(y, max_nodes=10)
    values = re.findall(r"^\s*v\d+ \[", graph.source, flags=re.MULTILINE)
    assert len(values) == 10
    assert f'more [label="... {total - 10} more nodes not drawn"' in graph.source
    assert any(line.startswith("more -> ") and "dashed" in line for line in _lines(graph))
    assert f"v{total - 1} [" in graph.source  # the output is always kept
    assert "<svg" in render_svg(graph)


def test_graph_at_the_limit_is_not_cut():
    x = Value(1.0)
    y = x * 2.0  # x, the constant, y
    assert "more nodes" not in draw_graph(y, max_nodes=3).source
    assert "... 1 more node not drawn" in draw_graph(y, max_nodes=2).source


def test_bad_arguments_raise_clear_errors():
    x = Value(1.0)
    with pytest.raises(TypeError, match="needs a Value"):
        draw_graph(1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="rankdir must be one of"):
        draw_graph(x, rankdir="sideways")
    with pytest.raises(ValueError, match="max_nodes must be a positive integer"):
        draw_graph(x, max_nodes=0)
    with pytest.raises(ValueError, match="digits must be a positive integer"):
        draw_graph(x, digits=0)


def test_svg_rendering_with_dot_contains_the_values():
    svg = render_svg(_product_graph())
    assert svg.lstrip().startswith("<?xml") and "</svg>" in svg
    for text in ("data 2", "grad &#45;3", "data &#45;6", "*"):
        assert text in svg


def test_jupyter_inline_repr_is_svg():
    bundle = _product_graph()._repr_mimebundle_()
    assert list(bundle) == ["image/svg+xml"]
    assert "<svg" in bundle["image/svg+xml"]


def test_render_and_save_write_files(tmp_path):
    graph = _product_graph()
    written = graph.render(tmp_path / "product", format="svg")
    assert written.endswith("product.svg")
    assert "<svg" in (tmp_path / "product.svg").read_text()
    png = save(graph, tmp_path / "product.png")
    assert Path(png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert save(graph, tmp_path / "noext").endswith("noext.svg")


def test_missing_dot_says_how_to_install_it_and_source_still_works(monkeypatch, tmp_path):
    graph = _product_graph()
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no dot anywhere
    for attempt in (
        lambda: render_svg(graph),
        lambda: graph._repr_mimebundle_(),
        lambda: graph.render(tmp_path / "out", format="svg"),
        lambda: save(graph, tmp_path / "out.png"),
        lambda: render_svg(graphviz.Digraph(body=["a -> b"])),  # a plain Digraph too
    ):
        with pytest.raises(DotNotFoundError) as info:
            attempt()
        message = str(info.value)
        for hint in ("apt-get install graphviz", "brew install graphviz", "conda install graphviz"):
            assert hint in message
        assert isinstance(info.value, graphviz.ExecutableNotFound)  # old except clauses still catch it
    assert "v0 -> v2_op" in graph.source


def test_picture_is_a_graph_picture_subclass_of_digraph():
    graph = _product_graph()
    assert type(graph) is GraphPicture
    assert isinstance(graph.copy(), GraphPicture)


def test_several_outputs_are_drawn_together_each_as_an_output():
    x = Value(0.5, label="x")
    shared = x * 3.0
    first, second = shared.tanh(), shared.exp()
    graph = draw_graph([first, second])
    order = topological_order(first) + [second]
    output_fill = KIND_STYLES["output"]["fillcolor"]
    assert output_fill in _node_line(graph, f"v{len(order) - 2}")
    assert output_fill in _node_line(graph, f"v{len(order) - 1}")
    assert graph.source.count(output_fill) == 2
    assert graph.source.count('label="{ x | data 0.5') == 1  # the shared part is drawn once
    assert draw_graph((first, second)).source == graph.source


def test_empty_or_mixed_output_lists_are_rejected():
    with pytest.raises(TypeError, match="non-empty list of Values"):
        draw_graph([])
    with pytest.raises(TypeError, match="non-empty list of Values"):
        draw_graph([Value(1.0), 2.0])  # type: ignore[list-item]


def test_a_lone_leaf_is_the_output_and_non_finite_numbers_are_shown():
    graph = draw_graph(Value(1.0, label="only"))
    assert _lines(graph)[4:] == [
        'v0 [label="{ only | data 1 | grad 0 }" fillcolor="#c7e9c0" penwidth=2 shape=record '
        'style="filled,bold"]',
        "}",
    ]
    source = draw_graph(Value(float("nan")) * Value(float("inf"))).source
    assert "{ data nan | grad 0 }" in source and "{ data inf | grad 0 }" in source


# --- local derivatives, steps of the backward pass, big graphs, graphviz missing -------------


def _explained_product():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    d = (c + a).tanh()
    d.label = "d"
    return a, b, c, d


def test_local_grads_label_every_edge_with_its_local_derivative():
    a, b, c, d = _explained_product()
    graph = draw_graph(d, local_grads=True)
    edges = [e for e in _edges(graph) if "_op [" in e]
    assert len(edges) == 5  # a, b into *; c, a into +; the sum into tanh
    assert 'v0 -> v2_op [label="0 ×-3"]' in edges  # d(a*b)/da = b
    assert 'v1 -> v2_op [label="1 ×2"]' in edges  # d(a*b)/db = a
    tanh_local = 1 - math.tanh(-4.0) ** 2
    assert f'v3 -> v4_op [label="×{tanh_local:.4g}"]' in edges


def test_step_highlights_the_node_its_op_and_the_products_formed():
    a, b, c, d = _explained_product()
    explanation = explain(d)
    # step 2 processes c + a (step 1 is the tanh): order a, b, c, c+a, d -> v3 is c + a
    graph = draw_graph(d, step=2)
    node = explanation[2]
    assert node.formula == "n3 = c + a"
    assert "#d62728" in _node_line(graph, "v3") and "penwidth=3" in _node_line(graph, "v3_op")
    g = node.upstream
    highlighted = [e for e in _edges(graph) if "#d62728" in e and "dir=back" in e]
    assert len(highlighted) == 2
    assert f"{g:.4g} × 1 = {g:.4g}" in highlighted[0]
    # after step 2: c and a have one contribution each; b has none yet
    assert f"grad {g:.4g}" in _node_line(graph, "v2") and "grad ?" in _node_line(graph, "v1")
    # the other edges carry local derivatives
    assert 'v0 -> v2_op [label="0 ×-3"]' in _lines(graph)


def test_step_gradients_after_the_last_step_equal_backward():
    a, b, c, d = _explained_product()
    last = draw_graph(d, step=len(explain(d)))
    d.backward()
    for i, node in enumerate(topological_order(d)):
        assert f"grad {node.grad:.4g}" in _node_line(last, f"v{i}")
    with pytest.raises(ValueError, match="step must be between 1 and 3"):
        draw_graph(d, step=4)
    with pytest.raises(ValueError, match="one output"):
        draw_graph([c, d], step=1)


def test_a_graph_too_big_to_read_is_refused_unless_max_nodes_is_given():
    x = Value(1.0)
    y = x
    for _ in range(READABLE_NODES):
        y = y * 1.0
    with pytest.raises(GraphTooLargeError, match=r"301 values, too many.*nn.draw_model.*max_nodes="):
        draw_graph(y)
    assert len(re.findall(r"^\s*v\d+ \[", draw_graph(y, max_nodes=20).source, flags=re.MULTILINE)) == 20
    small = x
    for _ in range((READABLE_NODES - 1) // 2):
        small = small * 1.0
    assert len(topological_order(small)) <= READABLE_NODES
    draw_graph(small)  # at the limit: drawn whole


def test_size_sets_the_drawing_size():
    assert 'size="8,5"' in draw_graph(Value(1.0) * 2.0, size="8,5").source


def test_backprop_steps_html_has_one_frame_per_step_and_working_controls():
    a, b, c, d = _explained_product()
    steps = BackpropSteps(d, rankdir="TB")
    page = steps._repr_html_()
    n = len(steps)
    assert n == 3
    assert page.count('class="cr-frame ') == n
    assert page.count("<svg") == n and "<?xml" not in page
    assert page.count('type="radio"') == n and page.count("checked>") == 1
    assert page.count("previous</label>") == n - 1 and page.count("next &#9654;</label>") == n - 1
    box = re.search(r'id="(chainrule-steps-[\w-]+)"', page).group(1)
    for k in range(1, n + 1):
        assert f"#{box}-{k}:checked ~ .cr-frames .cr-frame-{k} {{display: block;}}" in page
        assert f'<label for="{box}-{k}"' in page or k == 1
    assert "<script" not in page  # works where scripts are stripped
    assert "Step 2 of 3: n3 = c + a" in page
    assert steps._repr_html_() != page  # each display gets its own ids


def test_step_through_is_a_slider_with_ipywidgets_and_static_without(monkeypatch):
    ipywidgets = pytest.importorskip("ipywidgets")
    a, b, c, d = _explained_product()
    widget = step_through(d)
    slider, caption, picture = widget.children
    assert isinstance(slider, ipywidgets.IntSlider) and (slider.min, slider.max) == (1, 3)
    assert caption.value.startswith("Step 1 of 3")
    slider.value = 3
    assert caption.value.startswith("Step 3 of 3") and "<svg" in picture.value
    monkeypatch.setitem(sys.modules, "ipywidgets", None)
    assert isinstance(step_through(d), BackpropSteps)


def test_import_autograd_and_nn_work_without_the_graphviz_package():
    script = (
        "import sys; sys.modules['graphviz'] = None\n"
        "import autograd, nn\n"
        "from autograd import Value, draw_graph\n"
        "from autograd.explain import explain\n"
        "x = Value(2.0); y = x * x; y.backward(); print(x.grad, len(explain(y)))\n"
        "try:\n"
        "    draw_graph(y)\n"
        "except ImportError as error:\n"
        "    print('ImportError:', error)\n"
    )
    root = Path(__file__).resolve().parent.parent  # this checkout, not an installed copy
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=root
    )
    lines = result.stdout.splitlines()
    assert lines[0] == "4.0 1"
    assert lines[1].startswith(
        "ImportError: Drawing graphs needs the graphviz Python package: pip install graphviz"
    )
