# make deb: a Debian package built with dpkg-deb from make install
# (PREFIX=/usr): its control fields and Depends (dpkg-shlibdeps, the
# libraries the programs link, libmicrohttpd and libsystemd included),
# /etc/fsd/server.conf a conffile; its dependencies are met on this
# machine (dpkg --dry-run); installed into a dpkg root of its own (the
# maintainer scripts run chrootless and skip what needs a live system),
# the programs run, then remove keeps only the conffile and purge leaves
# nothing.
. "$ROOT/tests/integration/lib.sh"
case $BIN in
    "$ROOT/bin") BUILDDIR=$ROOT/build ;;
    *) BUILDDIR=$(dirname "$BIN") ;;
esac

say "make deb"
make -s -C "$ROOT" --no-print-directory BIN="$BIN" BUILD="$BUILDDIR" deb >deb.log 2>&1 || fail "make deb: $(tail -5 deb.log)"
deb=$(ls "$BUILDDIR"/fsd_*.deb)
cp "$deb" fsd.deb
expect_eq package "$(dpkg-deb -f fsd.deb Package)" fsd
expect_eq arch "$(dpkg-deb -f fsd.deb Architecture)" "$(dpkg --print-architecture)"
dep=$(dpkg-deb -f fsd.deb Depends)
for lib in libzmq5 libsqlite3-0 libprotobuf-c1 libjansson4 libmicrohttpd12 libsystemd0 libc6; do
    grep -q "$lib" <<<"$dep" || fail "Depends lacks $lib: $dep"
done
dpkg-deb --ctrl-tarfile fsd.deb | tar -xO ./conffiles >conffiles
grep -qx /etc/fsd/server.conf conffiles || fail "server.conf is no conffile"
dpkg-deb -c fsd.deb >contents
grep -q ' ./usr/share/man/man8/fsd-server.8.gz$' contents || fail "no man page"
grep -q ' ./lib/systemd/system/fsd-server.service$' contents || fail "no unit"

say "its dependencies are met here"
dpkg --dry-run -i fsd.deb >dry.log 2>&1 || fail "dpkg --dry-run: $(cat dry.log)"

say "install, run, remove, purge in a dpkg root of its own"
mkdir -p r/var/lib/dpkg/info r/var/lib/dpkg/updates r/var/lib/dpkg/triggers
touch r/var/lib/dpkg/status
pkg() { dpkg --root="$PWD/r" --force-script-chrootless --force-depends --log=/dev/null "$@"; }
pkg -i fsd.deb >install.log 2>&1 || fail "dpkg -i: $(cat install.log)"
expect_eq status "$(dpkg --root="$PWD/r" -s fsd | sed -n 's/^Status: //p')" "install ok installed"
r/usr/sbin/fsd-server --version | grep -q '^fsd-server ' || fail "the installed server does not run"
r/usr/bin/fsdctl --version | grep -q '^fsdctl ' || fail "the installed fsdctl does not run"
gzip -dc r/usr/share/man/man1/fsdctl.1.gz | grep -q '^.TH "fsdctl" "1"' || fail "man page"
pkg -r fsd >remove.log 2>&1 || fail "dpkg -r: $(cat remove.log)"
expect_eq "after remove" "$(find r -type f ! -path 'r/var/lib/dpkg/*')" r/etc/fsd/server.conf
pkg -P fsd >purge.log 2>&1 || fail "dpkg -P: $(cat purge.log)"
expect_eq "after purge" "$(find r ! -path 'r/var/lib/dpkg*' ! -path r/var ! -path r/var/lib ! -path r)" ""
expect_eq "known to dpkg" "$(dpkg --root="$PWD/r" -l fsd 2>&1 | grep -c '^.i  fsd' || true)" 0
