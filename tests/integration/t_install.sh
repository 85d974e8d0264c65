# make install and make uninstall: the FHS tree under a DESTDIR (programs,
# man pages, examples, the systemd unit, sysusers.d, /etc/fsd/server.conf),
# nothing left after uninstall; an operator's changed server.conf is kept;
# the installed man pages render without warnings; every program's --help
# points at its man page.
. "$ROOT/tests/integration/lib.sh"
case $BIN in
    "$ROOT/bin") BUILDDIR=$ROOT/build ;;
    *) BUILDDIR=$(dirname "$BIN") ;;
esac
mk() { make -s -C "$ROOT" --no-print-directory BIN="$BIN" BUILD="$BUILDDIR" "$@"; }

say "install into a DESTDIR with PREFIX=/usr"
mk install DESTDIR="$PWD/root" PREFIX=/usr >install.log
for f in usr/bin/fsdctl usr/bin/fsd-agent usr/sbin/fsd-server \
         usr/share/man/man1/fsdctl.1 usr/share/man/man1/fsd-agent.1 usr/share/man/man5/fsd-files.5 \
         usr/share/man/man8/fsd-server.8 usr/share/doc/fsd/examples/territories.geojson \
         usr/share/doc/fsd/examples/technicians.csv usr/lib/systemd/system/fsd-server.service \
         usr/lib/sysusers.d/fsd.conf etc/fsd/server.conf; do
    [ -f "root/$f" ] || fail "not installed: $f"
done
[ -x root/usr/sbin/fsd-server ] && [ -x root/usr/bin/fsdctl ] || fail "programs not executable"
grep -q '^ExecStart=/usr/sbin/fsd-server --config /etc/fsd/server.conf$' root/usr/lib/systemd/system/fsd-server.service \
    || fail "the unit does not name the installed program: $(grep Exec root/usr/lib/systemd/system/fsd-server.service)"
grep -q '^u fsd ' root/usr/lib/sysusers.d/fsd.conf || fail "no user in sysusers.d"
if [ -x "$BIN/fsd-web" ]; then
    [ -x root/usr/sbin/fsd-web ] && [ -f root/usr/lib/systemd/system/fsd-web.service ] || fail "fsd-web not installed"
fi
if [ -d "$ROOT/web/static" ]; then
    [ -n "$(find root/usr/share/fsd/web -type f)" ] || fail "web/static not installed"
fi

say "the installed programs run, and --help points at the man page"
root/usr/bin/fsdctl --help | grep -q 'man fsdctl' || fail "fsdctl --help does not name its man page"
root/usr/bin/fsd-agent --help | grep -q 'man fsd-agent' || fail "fsd-agent --help does not name its man page"
root/usr/sbin/fsd-server --help | grep -q 'man fsd-server' || fail "fsd-server --help does not name its man page"
[ "$(root/usr/sbin/fsd-server --help | wc -l)" -lt 60 ] || fail "fsd-server --help is not short"

say "the man pages render without warnings"
for m in root/usr/share/man/man*/*; do
    out=$(MANWIDTH=80 man --warnings -l "$m" 2>&1 >/dev/null)
    [ -z "$out" ] || fail "$m: $out"
    MANWIDTH=80 man -l "$m" 2>/dev/null | grep -q '^NAME' || fail "$m has no NAME"
done
MANWIDTH=80 man -l root/usr/share/man/man8/fsd-server.8 | grep -q 'CONFIGURATION FILE' || fail "fsd-server(8) lacks the configuration file"
MANWIDTH=80 man -l root/usr/share/man/man5/fsd-files.5 | grep -q 'WORKING HOURS' || fail "fsd-files(5) lacks working hours"

say "a second install keeps the operator's server.conf"
echo "log-level = debug" >>root/etc/fsd/server.conf
mk install DESTDIR="$PWD/root" PREFIX=/usr >install2.log
grep -q 'log-level = debug' root/etc/fsd/server.conf || fail "install overwrote server.conf"

say "uninstall removes everything but the changed server.conf"
mk uninstall DESTDIR="$PWD/root" PREFIX=/usr >uninstall.log
left=$(find root -type f)
expect_eq "left after uninstall" "$left" "root/etc/fsd/server.conf"
grep -q 'kept .*server.conf' uninstall.log || fail "uninstall did not say it kept server.conf"
rm root/etc/fsd/server.conf

say "an unchanged install uninstalls to nothing"
mk install DESTDIR="$PWD/root" PREFIX=/usr/local >install3.log
[ -f root/usr/local/sbin/fsd-server ] && [ -f root/usr/local/lib/systemd/system/fsd-server.service ] \
    || fail "PREFIX=/usr/local"
mk uninstall DESTDIR="$PWD/root" PREFIX=/usr/local >uninstall2.log
expect_eq "files left" "$(find root -type f | wc -l)" 0
[ -z "$(find root -name '*fsd*')" ] || fail "left: $(find root -name '*fsd*')"
