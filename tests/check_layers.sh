#!/bin/sh
# The layers of docs/architecture.md, checked from the includes: a source
# file may include only headers of its own layer and the layers below it.
# C has no call without a declaration under -Werror
# (-Werror=implicit-function-declaration), so the includes are the
# dependencies. Usage: check_layers.sh SOURCE_DIR. Exit 1 on a violation.
set -u
root=${1:?usage: check_layers.sh SOURCE_DIR}
bad=0

# forbid LAYER_GLOB PATTERN WHY: no file matching LAYER_GLOB may include a
# project header matching the extended regex PATTERN.
forbid() {
    for f in $root/$1; do
        [ -f "$f" ] || continue
        hits=$(grep -nE "^#include \"($2)" "$f" || true)
        if [ -n "$hits" ]; then
            echo "$hits" | sed "s|^|${f#$root/}:|; s|\$| ($3)|"
            bad=1
        fi
    done
}

up_from_util='io/|model/|rules/|engine/|report/|render/|deploy/|import/|check/|cli/'
forbid 'src/util/*.[ch]' "$up_from_util|lmchoose/(catalog|scenario|estimate|quality|host|candidate|rules|recommend|report|render|check)\.h" 'util is the ground floor'
forbid 'src/io/*.[ch]' 'model/|rules/|engine/|report/|render/|deploy/|import/|check/|cli/|lmchoose/(catalog|scenario|estimate|quality|host|candidate|rules|recommend|report|render|check)\.h' 'readers know no catalog'
forbid 'src/model/*.[ch]' 'rules/|engine/|report/|render/|deploy/|import/|check/|cli/|lmchoose/(rules|recommend|report|render|check)\.h' 'the catalog and estimates know no rules, engine or output'
forbid 'src/rules/*.[ch]' 'engine/|report/|render/|deploy/|import/|check/|cli/|lmchoose/(recommend|report|render|check)\.h' 'the rule language knows no engine'
forbid 'src/engine/*.[ch]' 'report/|render/|deploy/|import/|check/|cli/|lmchoose/(report|render|check)\.h' 'the engine knows no report or renderer'
forbid 'src/report/*.[ch]' 'render/|deploy/|import/|check/|cli/|lmchoose/(render|check)\.h' 'the report knows no renderer'
forbid 'src/render/*.[ch]' 'engine/|deploy/|import/|check/|cli/|lmchoose/recommend\.h' 'renderers read only the report'
forbid 'src/deploy/*.[ch]' 'rules/|engine/|report/|render/|import/|check/|cli/|lmchoose/(recommend|report|render)\.h' 'deployment readers only read files'
forbid 'src/import/*.[ch]' 'rules/|engine/|report/|render/|deploy/|check/|cli/|lmchoose/(recommend|report|render)\.h' 'importers only turn files into profiles'
forbid 'include/lmchoose/report.h' 'lmchoose/(recommend|render)\.h' 'the report header hides the engine'
forbid 'include/lmchoose/render.h' 'lmchoose/recommend\.h' 'renderers read only the report'
[ $bad -eq 0 ] && echo "layers: every include points down"
exit $bad
