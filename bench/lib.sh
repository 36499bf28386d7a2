# Shared by run.sh and drills.sh: build the jar when it is older than its sources, compile the bench driver.
# Sourced with the repository root as the working directory.

ensure_jar() {
    local jar=target/notion-sync.jar
    if [[ -f $jar ]] && [[ -z $(find pom.xml application.properties src/main routes -newer "$jar" -type f 2>/dev/null | head -1) ]]; then
        echo "[bench] $jar is up to date"
        return
    fi
    echo "[bench] building $jar"
    # offline first: a machine that built before has everything; a fresh one needs the registry once
    mvn -q -o package -DskipTests || mvn -q package -DskipTests
}

compile_driver() {
    rm -rf bench/target/classes
    mkdir -p bench/target/classes
    javac -nowarn -d bench/target/classes -cp target/notion-sync.jar bench/src/dev/notionsync/bench/*.java 2>&1 | grep -v '^Note:' || true
    [[ -f bench/target/classes/dev/notionsync/bench/Bench.class ]] || { echo "[bench] the driver did not compile" >&2; exit 1; }
}

driver() {
    java "$@"
}

DRIVER_CP=bench/target/classes:target/notion-sync.jar
DRIVER_OPTS=(-Dlog4j2.configurationFile=bench/log4j2-driver.properties -cp "$DRIVER_CP")

machine() {
    local cpu mem javav
    cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
    mem=$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)
    javav=$(java -version 2>&1 | head -1)
    echo "$(nproc) cores ($cpu), $mem RAM, $javav, $(uname -sr), load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
}

commit_id() {
    local id
    id=$(git rev-parse --short HEAD)
    if [[ -n $(git status --porcelain -- src routes pom.xml application.properties bench/src 2>/dev/null) ]]; then
        id="$id (with uncommitted changes)"
    fi
    echo "$id"
}
