#!/usr/bin/env bash
# Steps of the install tests (tests/install/CMakeLists.txt): install, move, build and run examples/minimal.
#
#   install_test.sh STEP SOURCE_DIR BUILD_DIR WORK_DIR CXX GENERATOR BUILD_TYPE
#
# WORK_DIR holds p/ (the install, gone once moved), moved/ (the installed
# tree after `mv p moved`), example_src/ and example/ (a copy of
# examples/minimal and its build) and exps/ (HH_EXP_DIR). `install` starts
# from an empty WORK_DIR; the other steps need the ones before them (ctest
# fixtures). Each step prints what it checked and fails with a message.
set -euo pipefail

step=$1
src=$(cd "$2" && pwd)
build=$(cd "$3" && pwd)
work=$4
cxx=$5
generator=$6
build_type=${7:-Release}
moved=$work/moved
example_build=$work/example

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# run_example ARGS...: the example's `run`, started from its conf's project folder.
run_example() {
  (cd "$work/example_src" && HH_EXP_DIR=$work/exps "$example_build/run" "$@")
}

case $step in
  install)
    rm -rf "$work"
    mkdir -p "$work"
    cmake --install "$build" --prefix "$work/p"
    mv "$work/p" "$moved"
    ;;

  layout)
    # Exactly the public headers: heyhi/*.h of the source, the generated
    # heyhi.pb.h / heyhi.cfg.h and heyhi.proto; no layer folder.
    expected=$( (cd "$src" && ls heyhi/*.h; echo heyhi/heyhi.pb.h heyhi/heyhi.cfg.h heyhi/heyhi.proto) |
      tr ' ' '\n' | sort)
    actual=$(cd "$moved/include" && find . -type f -o -type l | sed 's|^\./||' | sort)
    [[ $actual == "$expected" ]] ||
      fail "installed include/ is not the public headers:"$'\n'"$(diff <(echo "$expected") <(echo "$actual"))"
    for lib in heyhi heyhi_launch heyhi_experiment heyhi_config heyhi_base heyhi_proto; do
      [[ -f $moved/lib/lib$lib.a ]] || fail "lib/lib$lib.a not installed"
    done
    for tool in pp protoc-gen-heyhi; do
      [[ -x $moved/bin/$tool ]] || fail "bin/$tool not installed"
    done
    for file in heyhiConfig.cmake heyhiConfigVersion.cmake heyhiTargets.cmake HeyhiSchema.cmake; do
      [[ -f $moved/lib/cmake/heyhi/$file ]] || fail "lib/cmake/heyhi/$file not installed"
    done
    echo "include/, lib/, bin/ and lib/cmake/heyhi/ hold what they should"
    ;;

  headers)
    # A quoted include in an installed header names an installed header
    # (heyhi/..., or one beside it) or a dependency's; and each header
    # compiles with only the prefix's include/ added.
    for header in "$moved"/include/heyhi/*.h; do
      while read -r included; do
        case $included in
          absl/* | google/protobuf/* | gflags/* | glog/*) ;;
          *)
            [[ -f $moved/include/$included || -f $(dirname "$header")/$included ]] ||
              fail "$(basename "$header") includes $included, which is not installed"
            ;;
        esac
      done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$header")
      echo "#include \"heyhi/$(basename "$header")\"" |
        "$cxx" -std=c++17 -fsyntax-only -I "$moved/include" -x c++ - ||
        fail "$(basename "$header") does not compile on its own against the installed include/"
    done
    echo "every installed header compiles alone and includes only installed headers"
    ;;

  no-paths)
    # Neither the source folder nor the build folder (nor the prefix it was
    # installed to) may appear in any installed file, text or binary.
    for path in "$src" "$build" "$work/p"; do
      rc=0
      hits=$(grep -rlaF -- "$path" "$moved") || rc=$?
      [[ $rc != 0 ]] || fail "installed files name $path:"$'\n'"$hits"
      [[ $rc == 1 ]] || fail "grep failed on $moved"
    done
    echo "no installed file names $src, $build or $work/p"
    ;;

  build-example)
    rm -rf "$work/example_src" "$example_build"
    cp -r "$src/examples/minimal" "$work/example_src"
    cmake -S "$work/example_src" -B "$example_build" -G "$generator" \
      -DCMAKE_BUILD_TYPE="$build_type" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_PREFIX_PATH="$moved"
    found=$(sed -n 's/^heyhi_DIR:PATH=//p' "$example_build/CMakeCache.txt")
    [[ $found == "$moved/lib/cmake/heyhi" ]] || fail "find_package(heyhi) found $found, not the moved prefix"
    cmake --build "$example_build" -j2
    [[ -x $example_build/run ]] || fail "the example's run binary was not built"
    ;;

  run-example)
    rm -rf "$work/exps"
    run_example -c conf/greet.prototxt --adhoc name=x
    mapfile -t greetings < <(find "$work/exps" -name greeting.txt -not -path '*/.bin/*')
    [[ ${#greetings[@]} == 1 ]] || fail "expected one greeting.txt under $work/exps, found ${#greetings[@]}"
    exp_dir=$(dirname "${greetings[0]}")
    [[ $exp_dir == "$work/exps/adhoc/"* ]] || fail "exp dir $exp_dir is not under HH_EXP_DIR/adhoc/"
    [[ $(cat "${greetings[0]}") == $'Hi, x!\nHi, x!' ]] ||
      fail "greeting.txt holds: $(cat "${greetings[0]}")"
    for file in .heyhi heyhi.done config.prototxt overrides.txt; do
      [[ -f $exp_dir/$file ]] || fail "$file missing in $exp_dir"
    done
    grep -q 'name: "x"' "$exp_dir/config.prototxt" || fail "config.prototxt lacks the override"
    echo "ran in $exp_dir"
    ;;

  pp)
    out=$("$moved/bin/pp" "$src/examples/minimal/conf/greet.prototxt" --print-flat name=x \
      --proto_path "$src/examples/minimal/proto" --schema minimal.proto)
    expected=$'greeting=Hi\nlauncher.local=SELECT\nname=x\ntimes=2'
    [[ $out == "$expected" ]] || fail "pp printed:"$'\n'"$out"$'\nexpected:\n'"$expected"
    echo "$out"
    ;;

  print-flat)
    rm -rf "$work/exps_print"
    out=$(cd "$work/example_src" && HH_EXP_DIR=$work/exps_print "$example_build/run" \
      -c conf/greet.prototxt --print-flat name=x)
    expected=$'greeting=Hi\nlauncher.local=SELECT\nname=x\ntimes=2'
    [[ $out == "$expected" ]] || fail "run --print-flat printed:"$'\n'"$out"$'\nexpected:\n'"$expected"
    [[ ! -e $work/exps_print ]] || fail "run --print-flat created $work/exps_print"
    echo "$out"
    ;;

  regenerate)
    header=$example_build/minimal_schema/minimal.pb.h
    view=$example_build/minimal_schema/minimal.cfg.h
    [[ -f $header && -f $view ]] || fail "no $header / $view"
    marker=$work/marker
    # Nothing changed: protoc does not run again.
    touch "$marker"
    sleep 1
    cmake --build "$example_build" -j2
    [[ ! $header -nt $marker ]] || fail "a build with nothing changed regenerated minimal.pb.h"
    # An imported .proto changed (the installed heyhi.proto): regenerate.
    touch "$moved/include/heyhi/heyhi.proto"
    sleep 1
    cmake --build "$example_build" -j2
    [[ $header -nt $marker ]] || fail "touching the imported heyhi/heyhi.proto did not regenerate minimal.pb.h"
    # The schema itself changed: the new field has its getter.
    sed -i 's|^  optional heyhi.Launcher launcher = 4;|&\n  optional string punctuation = 5 [default = "!"];|' \
      "$work/example_src/proto/minimal.proto"
    grep -q punctuation "$work/example_src/proto/minimal.proto" || fail "could not edit minimal.proto"
    cmake --build "$example_build" -j2
    grep -q 'punctuation()' "$view" || fail "adding a field to minimal.proto did not regenerate minimal.cfg.h"
    echo "regenerated on an import's change and on the schema's change only"
    ;;

  *)
    fail "unknown step $step"
    ;;
esac
