#!/usr/bin/env python3
"""Writes kernels/cpu/winograd_transforms.h: the transforms of Winograd's minimal filtering
F(2x2, RxR) for the CPU convolution (kernels/cpu/conv2d_winograd.cpp), as straight-line code.

    scripts/gen_winograd.py > kernels/cpu/winograd_transforms.h && clang-format -i kernels/cpu/winograd_transforms.h

The matrices come from the Toom-Cook construction (Lavin & Gray 2016; as in Lavin's wincnn) with
the interpolation points below and infinity, in exact rational arithmetic, and are checked here:
sum_xi AT[i][xi] G[xi][k] BT[xi][j] must be 1 where j = i + k and 0 elsewhere, which is the
1-D correlation y_i = sum_k g_k d_{i+k}. Zero coefficients are left out and +-1 become additions
and subtractions, so each output is the plain sum of its non-zero terms in index order.
"""
from fractions import Fraction as Fr

POINTS = {3: [0, 1, -1], 5: [0, 1, -1, 2, -2]}  # F(2,3): Lavin's matrices up to signs
M = 2  # outputs per tile and axis


def inverse(a):
    n = len(a)
    m = [row[:] + [Fr(int(i == j)) for j in range(n)] for i, row in enumerate(a)]
    for c in range(n):
        p = next(r for r in range(c, n) if m[r][c] != 0)
        m[c], m[p] = m[p], m[c]
        pivot = m[c][c]
        m[c] = [x / pivot for x in m[c]]
        for r in range(n):
            if r != c and m[r][c] != 0:
                f = m[r][c]
                m[r] = [x - f * y for x, y in zip(m[r], m[c])]
    return [row[n:] for row in m]


def matrices(r):
    a = [Fr(p) for p in POINTS[r]]
    n = M + r - 1
    f = [Fr(1)] * (n - 1)
    for j in range(n - 1):
        for k in range(n - 1):
            if k != j:
                f[j] *= a[j] - a[k]
    at = [[a[x] ** i for x in range(n - 1)] + [Fr(int(i == M - 1))] for i in range(M)]
    g = [[a[x] ** k / f[x] for k in range(r)] for x in range(n - 1)]
    g.append([Fr(int(k == r - 1)) for k in range(r)])
    pt = [[a[x] ** s / f[x] for x in range(n - 1)] + [Fr(int(s == n - 1))] for s in range(n)]
    bt = inverse(pt)
    if g[0][0] < 0:  # the sign convention of Lavin's F(2,3) matrices
        g[0] = [-x for x in g[0]]
        bt[0] = [-x for x in bt[0]]
    for i in range(M):
        for k in range(r):
            for j in range(n):
                assert sum(at[i][x] * g[x][k] * bt[x][j] for x in range(n)) == int(j == i + k)
    return at, g, bt


def lit(c):
    """A float literal for a positive rational: exact for powers of two (0.5f, 4.f), else the
    float quotient of the two integers, which the compiler rounds once to nearest."""
    if c.denominator & (c.denominator - 1) == 0:
        text = repr(float(c))
        return text + "f" if "." in text and not text.endswith(".0") else text.replace(".0", "") + ".f"
    return f"({c.numerator}.f / {c.denominator}.f)"


def combo(coefs, terms):
    """The sum of coef * term over the non-zero coefficients, as C++. When they all have the
    same magnitude c != 1, c multiplies their signed sum once (one rounding fewer)."""
    mags = {abs(c) for c in coefs if c != 0}
    if len(mags) == 1 and 1 not in mags:
        (c,) = mags
        return f"{lit(c)} * ({combo([x / c for x in coefs], terms)})"
    out = ""
    for c, t in zip(coefs, terms):
        if c == 0:
            continue
        if c == 1:
            piece = t
            sign = "+"
        elif c == -1:
            piece = t
            sign = "-"
        else:
            piece = f"{lit(abs(c))} * {t}"
            sign = "+" if c > 0 else "-"
        if not out:
            out = piece if sign == "+" else f"-{piece}"
        else:
            out += f" {sign} {piece}"
    return out or "0.f"


def emit(r):
    at, g, bt = matrices(r)
    a = r + 1
    half_off = [k // 2 for k in range(a)]
    name = f"WinogradF2x{r}"
    L = []
    L.append(f"// F(2x2, {r}x{r}): tile {a}x{a}, interpolation points {POINTS[r]} and infinity.")
    for label, mat in (("B^T", bt), ("G", g), ("A^T", at)):
        L.append(f"//   {label} = [" + "; ".join(" ".join(str(x) for x in row) for row in mat) + "]")
    L.append(f"struct {name} {{")
    L.append(f"  static constexpr int kR = {r}, kA = {a};")
    # 1. column pass of the input transform
    L.append("  // a_i[q] = sum_j B^T[i][j] d_j[q] for q < n (B^T applied down the tile's rows).")
    L.append("  static void col_in(const float* const* d, float* const* a, int n) {")
    for i in range(a):
        L.append("#pragma omp simd")
        L.append(f"    for (int q = 0; q < n; ++q) a[{i}][q] = {combo(bt[i], [f'd[{j}][q]' for j in range(a)])};")
    L.append("  }")
    # 2. row pass of the input transform on split rows
    L.append("  // v_j[x] = sum_k B^T[j][k] c_k(x) for x < n, where tile x's column k is e[x + k/2] for")
    L.append("  // even k and o[x + k/2] for odd k (a split row: even padded columns, then odd).")
    L.append("  static void row_in(const float* e, const float* o, float* const* v, int n) {")
    cols = [f"{'e' if k % 2 == 0 else 'o'}[x + {half_off[k]}]".replace(" + 0]", "]") for k in range(a)]
    L.append("#pragma omp simd")
    L.append("    for (int x = 0; x < n; ++x) {")
    for k in range(a):
        L.append(f"      const float c{k} = {cols[k]};")
    for j in range(a):
        L.append(f"      v[{j}][x] = {combo(bt[j], [f'c{k}' for k in range(a)])};")
    L.append("    }")
    L.append("  }")
    # 3. weight transform
    L.append(f"  // u[xi * stride] = (G f G^T)[xi] for one kernel f [{r}x{r}], xi = row * {a} + column.")
    L.append("  static void weights(const float* f, float* u, int64_t stride) {")
    L.append(f"    float h[{a}][{r}];  // G f")
    L.append(f"    for (int j = 0; j < {r}; ++j) {{")
    for i in range(a):
        L.append(f"      h[{i}][j] = {combo(g[i], [f'f[{k * r} + j]' for k in range(r)])};")
    L.append("    }")
    L.append(f"    for (int i = 0; i < {a}; ++i) {{")
    for j in range(a):
        L.append(f"      u[({a} * i + {j}) * stride] = {combo(g[j], [f'h[i][{k}]' for k in range(r)])};")
    L.append("    }")
    L.append("  }")
    # 4. dG = G^T dU G
    L.append(f"  // f += G^T dU G for one kernel, dU[xi] = du[xi * stride].")
    L.append("  static void weights_adjoint(const float* du, int64_t stride, float* f) {")
    L.append(f"    float h[{r}][{a}];  // G^T dU")
    L.append(f"    for (int j = 0; j < {a}; ++j) {{")
    for k in range(r):
        L.append(f"      h[{k}][j] = {combo([g[x][k] for x in range(a)], [f'du[({a} * {x} + j) * stride]' for x in range(a)])};")
    L.append("    }")
    L.append(f"    for (int i = 0; i < {r}; ++i) {{")
    for k in range(r):
        L.append(f"      f[{r} * i + {k}] += {combo([g[x][k] for x in range(a)], [f'h[i][{x}]' for x in range(a)])};")
    L.append("    }")
    L.append("  }")
    # 5. output transform, row pass
    L.append("  // For one transformed row i: e[x] = sum_j A^T[0][j] m_j[x] (the tile's left output")
    L.append("  // column), o[x] = sum_j A^T[1][j] m_j[x] (its right one).")
    L.append("  static void row_out(const float* const* m, float* e, float* o, int n) {")
    L.append("#pragma omp simd")
    L.append("    for (int x = 0; x < n; ++x) {")
    for j in range(a):
        L.append(f"      const float m{j} = m[{j}][x];")
    L.append(f"      e[x] = {combo(at[0], [f'm{j}' for j in range(a)])};")
    L.append(f"      o[x] = {combo(at[1], [f'm{j}' for j in range(a)])};")
    L.append("    }")
    L.append("  }")
    # 6. output transform, column pass
    L.append("  // y0[q] = sum_i A^T[0][i] s_i[q], y1[q] = sum_i A^T[1][i] s_i[q].")
    L.append("  static void col_out(const float* const* s, float* y0, float* y1, int n) {")
    L.append("#pragma omp simd")
    L.append(f"    for (int q = 0; q < n; ++q) y0[q] = {combo(at[0], [f's[{i}][q]' for i in range(a)])};")
    L.append("#pragma omp simd")
    L.append(f"    for (int q = 0; q < n; ++q) y1[q] = {combo(at[1], [f's[{i}][q]' for i in range(a)])};")
    L.append("  }")
    # 7. output adjoint, column pass
    L.append("  // a_i[q] = A^T[0][i] y0[q] + A^T[1][i] y1[q] (A applied down the two output rows).")
    L.append("  static void col_out_adjoint(const float* y0, const float* y1, float* const* a, int n) {")
    for i in range(a):
        L.append("#pragma omp simd")
        L.append(f"    for (int q = 0; q < n; ++q) a[{i}][q] = {combo([at[0][i], at[1][i]], ['y0[q]', 'y1[q]'])};")
    L.append("  }")
    # 8. output adjoint, row pass
    L.append("  // dm_j[x] = A^T[0][j] e[x] + A^T[1][j] o[x].")
    L.append("  static void row_out_adjoint(const float* e, const float* o, float* const* dm, int n) {")
    L.append("#pragma omp simd")
    L.append("    for (int x = 0; x < n; ++x) {")
    L.append("      const float l = e[x], r = o[x];")
    for j in range(a):
        L.append(f"      dm[{j}][x] = {combo([at[0][j], at[1][j]], ['l', 'r'])};")
    L.append("    }")
    L.append("  }")
    # 9. input adjoint, row pass
    nh = half_off[a - 1]
    L.append("  // The adjoint of row_in: the split row (e, o), n + " + str(nh) + " entries each, gets")
    L.append("  // sum_j B^T[j][k] dv_j[x] at tile x's column k; neighbouring tiles share columns.")
    L.append("  static void row_in_adjoint(const float* const* dv, float* e, float* o, int n) {")
    L.append(f"    for (int x = 0; x < n + {nh}; ++x) e[x] = o[x] = 0.f;")
    for k in range(a):
        tgt = ("e" if k % 2 == 0 else "o") + (f"[x + {half_off[k]}]" if half_off[k] else "[x]")
        L.append("#pragma omp simd")
        L.append(f"    for (int x = 0; x < n; ++x) {tgt} += {combo([bt[j][k] for j in range(a)], [f'dv[{j}][x]' for j in range(a)])};")
    L.append("  }")
    # 10. input adjoint, column pass
    L.append("  // d_k[q] += sum_i B^T[i][k] h_i[q] (B down the tile's rows), into the padded rows.")
    L.append("  static void col_in_adjoint(const float* const* h, float* const* d, int n) {")
    for k in range(a):
        L.append("#pragma omp simd")
        L.append(f"    for (int q = 0; q < n; ++q) d[{k}][q] += {combo([bt[i][k] for i in range(a)], [f'h[{i}][q]' for i in range(a)])};")
    L.append("  }")
    L.append("};")
    return "\n".join(L)


def main():
    print("// Generated by scripts/gen_winograd.py; do not edit. The transforms of Winograd's")
    print("// F(2x2, 3x3) and F(2x2, 5x5) for kernels/cpu/conv2d_winograd.cpp, one loop per")
    print("// transformed row or column (vectorised across tiles). No include guard and no")
    print("// namespace: conv2d_winograd_impl.h includes it once per instruction set, each time")
    print("// inside that instruction set's namespace. Needs <cstdint>.")
    print()
    for r in (3, 5):
        print(emit(r))
        print()


if __name__ == "__main__":
    main()
