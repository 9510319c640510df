# Markdown table of the rows of bench/file-backup.sh (TSV, no header): per step and tool, the
# median and min–max over runs of wall time, CPU time, peak RSS and repository size, the ratio of
# each median to restic's for the same step, and throughput (data bytes / median wall).
# Variables: tools, ops (space-separated, in display order).
function ratio(t, op, metric,    a, b) {
  if (!((t SUBSEP op SUBSEP metric) in count) || !(("restic" SUBSEP op SUBSEP metric) in count)) return "–"
  a = median(t SUBSEP op SUBSEP metric); b = median("restic" SUBSEP op SUBSEP metric)
  return b > 0 ? num(a / b, 2) "×" : "–"
}
function add(t, op, metric, v,    k) { k = t SUBSEP op SUBSEP metric; val[k, ++count[k]] = v }
{
  add($4, $6, "wall", $8); add($4, $6, "cpu", $9); add($4, $6, "rss", $10 / 1024)
  add($4, $6, "repo", $11 / 1e6); add($4, $6, "bytes", $12)
}
END {
  label["first"] = "first backup"; label["unchanged"] = "unchanged re-backup"
  label["changed"] = "changed backup"; label["restore"] = "full restore"
  nt = split(tools, T, " "); no = split(ops, O, " ")
  print "| step | tool | wall s | ×restic | CPU s | ×restic | peak RSS MiB | ×restic | repo MB | ×restic | MB/s |"
  print "|---|---|---|---|---|---|---|---|---|---|---|"
  for (i = 1; i <= no; i++) for (j = 1; j <= nt; j++) {
    op = O[i]; t = T[j]; k = t SUBSEP op SUBSEP "wall"
    if (!(k in count)) continue
    w = median(k); b = median(t SUBSEP op SUBSEP "bytes")
    printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", (op in label ? label[op] : op), t,
      cell(k, 2), ratio(t, op, "wall"), cell(t SUBSEP op SUBSEP "cpu", 2), ratio(t, op, "cpu"),
      cell(t SUBSEP op SUBSEP "rss", 0), ratio(t, op, "rss"), cell(t SUBSEP op SUBSEP "repo", 1), ratio(t, op, "repo"),
      (w > 0 ? num(b / 1e6 / w, 0) : "–")
  }
}
