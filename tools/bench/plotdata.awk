# tools/bench/plotdata.awk: data files for plot.gp from the statistics
# (workload,metric,kind,n,median,min,max); missing figures are "?".
#   ops_socket.dat, ops_rings.dat: test px c oc echo (requests/s, 16 clients;
#   rings: fewer if the run had no 16; labels.gp says how many)
#   cpu_socket.dat: test px c oc (daemon CPU us per operation, 16 clients)
#   tree.dat: nodes, then read and write requests/s for px c oc

function v(w, m, k) { return (w SUBSEP m SUBSEP k) in MED ? MED[w, m, k] : "?" }

{ MED[$1, $2, $3] = $5 }

END {
	# Rings: 16 clients, or the most there are (the quick run has 4).
	rc = ("rings/c16/read" SUBSEP "rps" SUBSEP "px") in MED ? 16 : \
	    ("rings/c4/read" SUBSEP "rps" SUBSEP "px") in MED ? 4 : 1
	printf "rings_clients = %d\n", rc > (dir "/labels.gp")
	split("read write directory get-perms mkdir-rm transaction watch-event", t, " ")
	for (i = 1; i <= 7; i++) {
		ws = "socket/c16/" t[i]
		wr = "rings/c" rc "/" t[i]
		printf "%s %s %s %s %s\n", t[i], v(ws, "rps", "px"), v(ws, "rps", "c"), v(ws, "rps", "oc"), v(ws, "rps", "echo") > (dir "/ops_socket.dat")
		printf "%s %s %s %s\n", t[i], v(wr, "rps", "px"), v(wr, "rps", "c"), v(wr, "rps", "oc") > (dir "/ops_rings.dat")
		printf "%s %s %s %s\n", t[i], v(ws, "cpu_us", "px"), v(ws, "cpu_us", "c"), v(ws, "cpu_us", "oc") > (dir "/cpu_socket.dat")
	}
	n = split("1000 5000 10000 100000 1000000", s, " ")
	for (i = 1; i <= n; i++) {
		r = "tree/" s[i] " nodes/read"
		w = "tree/" s[i] " nodes/write"
		if (v(r, "rps", "px") v(r, "rps", "c") v(r, "rps", "oc") == "???")
			continue
		printf "%s %s %s %s %s %s %s\n", s[i], v(r, "rps", "px"), v(r, "rps", "c"), v(r, "rps", "oc"), v(w, "rps", "px"), v(w, "rps", "c"), v(w, "rps", "oc") > (dir "/tree.dat")
	}
}
