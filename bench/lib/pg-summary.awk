# Markdown tables of the rows of bench/pg-compare.sh (TSV, no header): per step and tool the median
# (min–max when there are several runs) of wall time, CPU time of the tool's processes, CPU time of
# the whole machine, peak RSS and repository size, with ratios of medians to pgBackRest's; then the
# WAL push latencies per segment; then the issue's targets. Variable: tools (space-separated).
# Fields: 6 tool, 8 op, 10 wall_s, 11 cpu_s, 12 machine_cpu_s, 13 max_rss_kib, 14 repo_bytes,
# 15 repo_growth_bytes, 16 segments, 17 detail.
function has(t, op, metric) { return (t SUBSEP op SUBSEP metric) in count }
function med(t, op, metric) { return median(t SUBSEP op SUBSEP metric) }
function ratio(t, op, metric, ref_op,    b) {
  if (ref_op == "") ref_op = op
  if (!has(t, op, metric) || !has("pgbackrest", ref_op, metric)) return "–"
  b = med("pgbackrest", ref_op, metric)
  return b > 0 ? num(med(t, op, metric) / b, 2) "×" : "–"
}
function add(t, op, metric, v,    k) { if (v == "") return; k = t SUBSEP op SUBSEP metric; val[k, ++count[k]] = v }
function target(what, t, op, limit, ref_op,    r) {
  if (!has(t, op, "wall") || !has("pgbackrest", ref_op, "wall")) return
  r = med(t, op, "wall") / med("pgbackrest", ref_op, "wall")
  printf "- %s: %s× pgBackRest (target ≤ %s×): %s\n", what, num(r, 2), limit, (r <= limit ? "met" : "not met")
}
function cputarget(t, op,    r) {
  if (!has(t, op, "cpu") || !has("pgbackrest", op, "cpu")) return
  r = med(t, op, "cpu") / med("pgbackrest", op, "cpu")
  printf "- %s %s CPU-s of its processes: %s× pgBackRest's (target ≤ 1.0×): %s\n", t, label[op], num(r, 2), (r <= 1.0 ? "met" : "not met")
}
{
  add($6, $8, "wall", $10); add($6, $8, "cpu", $11); add($6, $8, "mcpu", $12); add($6, $8, "rss", $13 / 1024)
  if ($14 != "") add($6, $8, "repo", $14 / 1e6)
  if ($15 != "") add($6, $8, "growth", $15 / 1e6)
  if ($16 != "") { add($6, $8, "ms", 1000 * $10 / $16); add($6, $8, "mcpums", 1000 * $12 / $16); segs[$6, $8] = $16 }
  if ($17 != "") detail[$6, $8] = $17
}
END {
  label["full"] = "full backup"; label["second"] = "second backup"; label["restore"] = "restore latest"
  label["pitr"] = "PITR to end of pgbench"
  nt = split(tools, T, " "); no = split("full second restore pitr", O, " ")
  runs = 0; for (k in count) if (count[k] > runs) runs = count[k]
  print "| step | tool | wall s | ×pgBackRest | CPU s (tool) | machine CPU s | peak RSS MiB | repo MB | ×pgBackRest | repo +MB | detail" (runs > 1 ? " (last run)" : "") " |"
  print "|---|---|---|---|---|---|---|---|---|---|---|"
  for (i = 1; i <= no; i++) for (j = 1; j <= nt; j++) {
    op = O[i]; t = T[j]
    if (!has(t, op, "wall")) continue
    grow = (op == "full" || op == "second") ? cell(t SUBSEP op SUBSEP "growth", 1) : "–"
    printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", label[op], t,
      cell(t SUBSEP op SUBSEP "wall", 2), ratio(t, op, "wall"), cell(t SUBSEP op SUBSEP "cpu", 2),
      cell(t SUBSEP op SUBSEP "mcpu", 2), cell(t SUBSEP op SUBSEP "rss", 0), cell(t SUBSEP op SUBSEP "repo", 1),
      ratio(t, op, "repo"), grow, ((t, op) in detail ? detail[t, op] : "")
  }
  print ""
  print "WAL push, sequential calls as PostgreSQL's archiver makes them (16 MiB segments of the pgbench run):"
  print ""
  print "| tool | push | segments | ms per segment | ×pgBackRest new | machine CPU ms per segment |"
  print "|---|---|---|---|---|---|"
  nw = split("summit:walpush-new summit:walpush-ahead summit:walpush-repeat pgbackrest:walpush-new pgbackrest:walpush-repeat cp:walpush-new", W, " ")
  what["walpush-new"] = "new (upload during the call)"; what["walpush-ahead"] = "uploaded ahead by the agent (overhead only)"
  what["walpush-repeat"] = "again (already archived)"
  for (i = 1; i <= nw; i++) {
    split(W[i], p, ":"); t = p[1]; op = p[2]
    if (!has(t, op, "ms")) continue
    printf "| %s | %s | %s | %s | %s | %s |\n", (t == "cp" ? "cp (pg_basebackup's archive)" : t), what[op], segs[t, op],
      cell(t SUBSEP op SUBSEP "ms", 1), ratio(t, op, "ms", "walpush-new"), cell(t SUBSEP op SUBSEP "mcpums", 1)
  }
  print ""
  print "Targets (issue 7, ratios of median wall times):"
  if (!has("summit", "full", "wall")) print "- (they need summit in TOOLS, and pgbackrest for the ratios)"
  target("full backup", "summit", "full", 0.7, "full")
  target("second backup", "summit", "second", 0.5, "second")
  target("restore", "summit", "restore", 0.7, "restore")
  target("PITR", "summit", "pitr", 0.7, "pitr")
  if (has("summit-agent", "full", "wall")) {
    target("full backup through the agent", "summit-agent", "full", 0.7, "full")
    target("second backup through the agent", "summit-agent", "second", 0.5, "second")
    target("restore through the agent", "summit-agent", "restore", 0.7, "restore")
    target("PITR through the agent", "summit-agent", "pitr", 0.7, "pitr")
  }
  cputarget("summit", "full"); cputarget("summit-agent", "full")
  if (has("summit", "walpush-ahead", "ms")) {
    a = med("summit", "walpush-ahead", "ms")
    printf "- WAL push beyond the upload itself: %s ms per segment (target ≤ 10 ms): %s", num(a, 1), (a <= 10 ? "met" : "not met")
    if (has("summit", "walpush-new", "ms")) printf "; the upload during a call adds %s ms", num(med("summit", "walpush-new", "ms") - a, 1)
    printf "\n"
  }
}
