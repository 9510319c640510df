# Shared by the benchmark table scripts, prepended to them (awk -f <(cat stats.awk TABLE.awk): mawk
# reads only one -f): medians with min–max over runs. Expects the including script to fill count[key] and val[key, i].
function sort(a, n,    i, j, v) {
  for (i = 2; i <= n; i++) { v = a[i]; for (j = i - 1; j >= 1 && a[j] > v; j--) a[j + 1] = a[j]; a[j + 1] = v }
}
function median(key,    n, i, a) {
  n = count[key]; for (i = 1; i <= n; i++) a[i] = val[key, i] + 0
  sort(a, n); lo[key] = a[1]; hi[key] = a[n]
  return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function num(v, d) { return sprintf("%." d "f", v) }
function cell(key, d,    m) {
  if (!(key in count)) return "–"
  m = median(key)
  return count[key] > 1 ? num(m, d) " (" num(lo[key], d) "–" num(hi[key], d) ")" : num(m, d)
}
