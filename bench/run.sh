#!/usr/bin/env bash
# Benchmark of `brief build` (and `brief serve`) on generated corpora; prints a Markdown table.
#
#   bench/run.sh [--big] [--runs N] [--sizes "1000 10000"] [--no-serve] [--no-hugo] [--seed S]
#                [--own-sources]  (corpora whose articles define their own sources: a page
#                                  per article source, about 4.5 per article)
#                [--hubs]       (every article also reports one event, mentions one entity
#                                and cites one source that all the others do)
#                [--no-build]   (reuse the binaries copied into the work folder by the last run)
#                [--no-warmup]  (skip the untimed first run of each program)
#                [--no-settle]  (do not wait for the file system after an earlier run's cleanup)
#
# Builds the release binaries once and copies them into the work folder (so that a
# concurrent `cargo build` cannot swap them mid-run), generates the corpora with
# bench/gen_corpus.rs (reused while the generator and seed are unchanged), and reports
# for each size: full build (median wall of N runs, CPU, peak RSS), no-change rebuild
# (wall, and how many output files changed mtime: should be 0), the floor program
# (bench/floor.rs, rayon and sequential), brief/floor, serve save→reload latency for an
# edit of one article's text and of its title (bench/reload_latency.py, when `brief
# serve` exists) and, when Debian's hugo is installed, a Hugo build of the same content
# with one-line templates. Each program (brief, the floor, Hugo) first builds each
# corpus once untimed, so that every timed run finds the program and the corpus
# already in memory.
#
# Work folder: $BRIEF_BENCH_DIR, default ${TMPDIR:-/tmp}/brief-bench (never the repository).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
work=${BRIEF_BENCH_DIR:-${TMPDIR:-/tmp}/brief-bench}
sizes="1000 10000"
runs=3
seed=1
serve=1
hugo=1
build=1
warmup=1
own=0
hubs=0
settle=1
while [ $# -gt 0 ]; do
    case "$1" in
        --big) sizes="1000 10000 50000" ;;
        --sizes) sizes=$2; shift ;;
        --runs) runs=$2; shift ;;
        --seed) seed=$2; shift ;;
        --no-serve) serve=0 ;;
        --no-hugo) hugo=0 ;;
        --no-build) build=0 ;;
        --no-warmup) warmup=0 ;;
        --no-settle) settle=0 ;;
        --own-sources) own=1 ;;
        --hubs) hubs=1 ;;
        -h|--help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
case "$work" in "$repo"|"$repo"/*) echo "the work folder must be outside the repository" >&2; exit 2 ;; esac

if [ ! -x /usr/bin/time ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get install -y time >/dev/null
    else
        echo "GNU time is needed: apt-get install -y time" >&2; exit 2
    fi
fi

log() { echo "[bench] $*" >&2; }

# Address-space cap for brief and the floor, so that a runaway build fails (reported as
# FAILED) instead of pushing the machine into swap or the OOM killer. Default: 80% of the
# memory available at start; set BRIEF_BENCH_MEM_LIMIT_MB=0 to disable.
mem_limit_mb=${BRIEF_BENCH_MEM_LIMIT_MB:-$(awk '/MemAvailable/ { print int($2 / 1024 * 0.8) }' /proc/meminfo)}
cap=()
if [ "$mem_limit_mb" -gt 0 ]; then
    cap=(bash -c 'ulimit -v "$0" && exec "$@"' $((mem_limit_mb * 1024)))
fi

mkdir -p "$work/bin"
if [ "$build" = 1 ]; then
    log "building release binaries"
    (cd "$repo" && cargo build --release --quiet --bin brief --example gen_corpus --example floor)
    for b in brief examples/gen_corpus examples/floor; do
        cp "$repo/target/release/$b" "$work/bin/"
    done
    commit=$(cd "$repo" && git rev-parse --short HEAD 2>/dev/null || echo unknown)
    dirty=$(cd "$repo" && git status --porcelain --untracked-files=no -- src Cargo.toml templates static 2>/dev/null | wc -l)
    if [ "$dirty" -gt 0 ]; then commit="$commit+uncommitted"; fi
    echo "$commit" >"$work/bin/COMMIT"
elif [ ! -x "$work/bin/brief" ]; then
    echo "--no-build: no binaries in $work/bin yet" >&2; exit 2
fi
brief=$work/bin/brief
commit=$(cat "$work/bin/COMMIT" 2>/dev/null || echo unknown)

# The machine may be shared: before each timed command, wait (up to 2 minutes) for a
# second in which the CPUs were at least 90 % idle. Commands started on a busy machine
# are counted and the count is printed with the table.
busy_starts=0
cpu_idle_pct() {
    local a b
    a=$(awk '/^cpu / { print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9; exit }' /proc/stat)
    sleep 1
    b=$(awk '/^cpu / { print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9; exit }' /proc/stat)
    echo "$a $b" | awk '{ d = $4 - $2; print (d > 0) ? int(100 * ($3 - $1) / d) : 100 }'
}
wait_idle() {
    local waited=0
    while [ "$(cpu_idle_pct)" -lt 90 ]; do
        waited=$((waited + 1))
        if [ "$waited" -ge 120 ]; then
            busy_starts=$((busy_starts + 1))
            return
        fi
    done
}

# timed FILE cmd...: runs cmd under /usr/bin/time -v; its stderr goes to FILE.err, the
# measurements to FILE ("wall user sys maxrss_kb exit"). Returns 0 even when cmd fails.
timed() {
    local out=$1; shift
    local rc=0 t0 t1
    # Flush the dirty pages of earlier runs so that they do not throttle this one.
    sync
    wait_idle
    t0=$(date +%s%N)
    /usr/bin/time -v -o "$out.time" "$@" >"$out.out" 2>"$out.err" || rc=$?
    t1=$(date +%s%N)
    # Wall time from the shell clock (time -v rounds to 10 ms); CPU and RSS from time -v.
    awk -v rc="$rc" -v wall="$(( (t1 - t0) / 1000000 ))" -F': ' '
        BEGIN { wall = wall / 1000 }
        /User time/ { user = $2 } /System time/ { sys = $2 } /Maximum resident/ { rss = $2 }
        END { printf "%.3f %.2f %.2f %d %d\n", wall, user, sys, rss, rc }' "$out.time" >"$out"
}

# warm cmd...: one untimed run, output discarded (unless --no-warmup). The first run
# after the binaries are copied and the corpus is written reads both back in: at 1k
# articles it took 0.41 s against 0.26-0.31 s for the next four.
warm() {
    if [ "$warmup" = 1 ]; then
        sync
        "$@" >/dev/null 2>&1 || true
    fi
}

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Output folders are fresh paths that are only deleted when the script ends: on ext4
# without a journal (this VM's disk), creating thousands of files within minutes of
# deleting thousands is several times slower (the inode allocator skips recently
# deleted inodes), which would make every run after the first look slower.
runs_dir=$work/runs-$$
mkdir -p "$runs_dir"
# The cleanup at the end of a run deletes tens of thousands of files, which slows the next
# run the same way when it starts within minutes: right after a run that had deleted its
# 10k own-sources outputs, the floor took 1.87 s at 10k against 0.85 s in the runs on
# either side, and a build making 56k files spent 40 % of its time in ext4's inode
# allocator (`recently_deleted`). Freed inodes count as recent for 60 s, 360 s while
# their table is not yet written back, so a run waits until the last cleanup is that old.
cleaned=$work/.last-cleanup
settle_seconds=360
trap 'rm -rf "$runs_dir"; touch "$cleaned"' EXIT
settle_after_cleanup() {
    [ "$settle" = 1 ] && [ -e "$cleaned" ] || return 0
    local age=$(( $(date +%s) - $(stat -c %Y "$cleaned") ))
    if [ "$age" -lt "$settle_seconds" ]; then
        log "waiting $((settle_seconds - age)) s: the last run deleted its output $age s ago (--no-settle skips this)"
        sleep $((settle_seconds - age))
    fi
}
fresh() { mktemp -d -u "$runs_dir/$1.XXXXXX"; }
discard() { if [ -e "$1" ]; then mv "$1" "$(fresh discarded)"; fi; }

# serve_latency OUT [--front-matter]: median save→reload of 5 edits of one article of
# $corpus under `brief serve` ("N ms"), or the script's last line when it could not tell.
serve_latency() {
    python3 "$repo/bench/reload_latency.py" --brief "$brief" --root "$corpus" --runs 5 \
        --timeout 600 --log "$1.log" "${@:2}" >"$1.txt" 2>&1 || true
    local median
    median=$(grep -Eo 'median_ms=[0-9]+' "$1.txt" | cut -d= -f2 || true)
    if [ -n "$median" ]; then echo "$median ms"; else tail -1 "$1.txt"; fi
}

snapshot_mtimes() { (cd "$1" && find . -type f -printf '%P %T@\n' | sort); }

# The corpus depends only on the generator's source (its crates, clap and rayon, do not
# shape it). A hash of the binary changed with every dependency feature of the crate and
# regenerated every corpus, deleting tens of thousands of files just before the timed
# builds: on ext4 that slows file creation for minutes (see bench/README.md).
gen_sum=$(sha256sum "$repo/bench/gen_corpus.rs" | cut -c1-16)
results=$work/results.md
rows=()
notes=()

settle_after_cleanup
for n in $sizes; do
    # tag: the corpus's folders; label: its row of the table.
    if [ "$own" = 1 ]; then
        tag=own-$n; label="$n, own sources"; shape=(--own-sources)
    else
        tag=$n; label=$n; shape=()
    fi
    if [ "$hubs" = 1 ]; then
        tag=hubs-$tag; label="$label, hubs"; shape+=(--hubs)
    fi
    corpus=$work/corpus-$tag
    stamp="articles=$n seed=$seed generator=$gen_sum ${shape[*]}"
    stamp=${stamp% }
    if [ "$(cat "$corpus/.stamp" 2>/dev/null)" != "$stamp" ]; then
        log "generating $label articles"
        discard "$corpus"  # deleted at exit, not before the timed builds
        "$work/bin/gen_corpus" --articles "$n" --out "$corpus" --seed "$seed" "${shape[@]}" 2>"$work/gen-$tag.log"
        echo "$stamp" >"$corpus/.stamp"
    fi
    discard "$corpus/site"  # left by `brief serve`
    input_mib=$(find "$corpus/content" -type f -printf '%s\n' | awk '{ s += $1 } END { printf "%.1f", s / 1048576 }')
    m=$work/measure-$tag
    mkdir -p "$m"

    # Full builds into a fresh output folder.
    warm "${cap[@]}" "$brief" build --root "$corpus" --output "$(fresh "warm-$n")"
    walls=""; full_cpu=""; full_rss=0; status=ok
    for r in $(seq "$runs"); do
        out=$(fresh "brief-$n")
        log "$n: full build $r/$runs"
        timed "$m/full-$r" "${cap[@]}" "$brief" build --root "$corpus" --output "$out"
        read -r wall user sys rss rc <"$m/full-$r"
        if [ "$rc" != 0 ]; then
            status="FAILED (exit $rc)"
            log "$n: brief build failed:"; tail -20 "$m/full-$r.err" >&2
            break
        fi
        walls="$walls $wall"
        full_cpu="$full_cpu $(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')"
        [ "$rss" -gt "$full_rss" ] && full_rss=$rss
    done
    diag=$(grep -Eo '[0-9]+ error\(s\), [0-9]+ warning\(s\)' "$m/full-1.err" | tail -1 || true)
    warnings=$(echo "${diag:-0 error(s), 0 warning(s)}" | awk '{ print $3 }')
    pages=$(grep -Eo 'built [0-9]+ files' "$m/full-1.err" | awk '{ print $2 }' || true)
    if [ "$status" != ok ]; then
        rows+=("| $label | $input_mib MiB | $status | | | | | | | | | |")
        continue
    fi
    full_wall=$(echo "$walls" | median)
    full_cpu=$(echo "$full_cpu" | median)

    # No-change rebuilds into the same folder.
    snapshot_mtimes "$out" >"$m/before"
    walls=""
    for r in $(seq "$runs"); do
        log "$n: no-change rebuild $r/$runs"
        timed "$m/again-$r" "${cap[@]}" "$brief" build --root "$corpus" --output "$out"
        read -r wall _ _ _ rc <"$m/again-$r"
        walls="$walls $wall"
    done
    again_wall=$(echo "$walls" | median)
    snapshot_mtimes "$out" >"$m/after"
    rewritten=$(diff "$m/before" "$m/after" | grep -c '^>' || true)

    # The floor, parallel and sequential.
    warm "${cap[@]}" "$work/bin/floor" "$corpus" "$(fresh "floor-warm-$n")"
    walls=""; seq_walls=""
    for r in $(seq "$runs"); do
        timed "$m/floor-$r" "${cap[@]}" "$work/bin/floor" "$corpus" "$(fresh "floor-$n")"
        read -r wall _ _ _ rc <"$m/floor-$r"
        walls="$walls $wall"
        timed "$m/floor-seq-$r" "${cap[@]}" "$work/bin/floor" "$corpus" "$(fresh "floor-$n")" --sequential
        read -r wall _ _ _ _ <"$m/floor-seq-$r"
        seq_walls="$seq_walls $wall"
    done
    floor_wall=$(echo "$walls" | median)
    floor_seq=$(echo "$seq_walls" | median)
    floor_best=$(awk -v a="$floor_wall" -v b="$floor_seq" 'BEGIN { print (a < b) ? a : b }')
    ratio=$(awk -v a="$full_wall" -v b="$floor_best" 'BEGIN { printf (b > 0) ? "%.1f×" : "n/a", a / b }')

    # Serve: save → reload, for an edit of the article's text and of its title.
    reload="not run"
    reload_title="not run"
    if [ "$serve" = 1 ] && command -v python3 >/dev/null; then
        log "$n: serve save→reload latency (text edit)"
        reload=$(serve_latency "$m/reload")
        log "$n: serve save→reload latency (title edit)"
        reload_title=$(serve_latency "$m/reload-title" --front-matter)
        discard "$corpus/site"
    fi

    # Hugo (optional), same content, one-line templates.
    hugo_wall="–"
    if [ "$hugo" = 1 ] && command -v hugo >/dev/null; then
        log "$n: hugo"
        h=$work/hugo-site-$tag
        rm -rf "$h" && mkdir -p "$h/layouts/_default"
        cat >"$h/hugo.toml" <<EOF
baseURL = "https://bench.example/briefing/"
title = "Synthetic briefing"
languageCode = "en"
contentDir = "$corpus/content"
ignoreFiles = ['_sources\\.yaml\$', '_entities\\.yaml\$']
[markup.goldmark.extensions]
typographer = true
EOF
        echo '<!doctype html><html lang="en"><meta charset="utf-8"><title>{{ .Title }}</title><article><h1>{{ .Title }}</h1><p>{{ .Date.Format "2 January 2006" }} · {{ delimit (.Params.tags | default slice) ", " }}</p>{{ .Content }}</article></html>' >"$h/layouts/_default/single.html"
        echo '<!doctype html><html lang="en"><meta charset="utf-8"><title>{{ .Title }}</title><ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Summary }}</li>{{ end }}</ul></html>' >"$h/layouts/_default/list.html"
        warm "${cap[@]}" hugo --quiet --source "$h" --destination "$(fresh "hugo-warm-$n")"
        walls=""
        for r in $(seq "$runs"); do
            timed "$m/hugo-$r" "${cap[@]}" hugo --quiet --source "$h" --destination "$(fresh "hugo-$n")"
            read -r wall _ _ _ rc <"$m/hugo-$r"
            [ "$rc" = 0 ] && walls="$walls $wall"
        done
        [ -n "$walls" ] && hugo_wall="$(echo "$walls" | median) s"
    fi

    per_1k=$(awk -v w="$full_wall" -v n="$n" 'BEGIN { printf "%.2f", w * 1000 / n }')
    rss_mib=$(awk -v k="$full_rss" 'BEGIN { printf "%.0f", k / 1024 }')
    rows+=("| $label | $input_mib MiB | $pages | $full_wall s | $per_1k s | $full_cpu s | $rss_mib MiB | $again_wall s | $rewritten | $floor_wall s / $floor_seq s | $ratio | $reload | $reload_title | $hugo_wall | $warnings |")
done

{
    echo "brief $commit, $(date +%F), $(nproc) cores, median of $runs runs$([ "$warmup" = 1 ] && echo " after one untimed run"), seed $seed, load average at end: $(cut -d' ' -f1-3 /proc/loadavg), $busy_starts of the timed runs started on a busy machine"
    echo
    echo "| articles | input | files out | full build (wall) | per 1k articles | CPU (user+sys) | peak RSS | no-change rebuild | files rewritten | floor (rayon / seq) | brief ÷ floor | serve save→reload, text edit (median of 5) | serve, title edit (median of 5) | hugo | warnings |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    printf '%s\n' "${rows[@]}"
} | tee "$results"
log "table saved to $results; raw measurements in $work/measure-*"
