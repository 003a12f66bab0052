#!/bin/sh
# Installs the SecureOT sniffers from this unpacked tarball, with the same layout and the
# same first-install steps as the .deb (for hosts without dpkg, or air-gapped probes
# where the .deb's dependencies are installed by hand).
#
#   sudo ./install.sh            install into /
#   DESTDIR=/tmp/root ./install.sh   stage into a folder (no user, no systemctl)
#
# Existing files in /etc/secureot are kept; the shipped example is put beside them
# as NAME.yaml.dist. Requires: Java 17+ (java on PATH or JAVA_HOME) and libpcap 0.8.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
dest=${DESTDIR:-}
user=secureot
data=/var/lib/secureot-agent

install -d -m 0755 "$dest/usr/bin" "$dest/usr/share/secureot" "$dest/etc/secureot" \
  "$dest/lib/systemd/system" "$dest/usr/share/doc/secureot-sniffers"
for d in sniffer-span-pcap sniffer-span-forwarder sniffer-remote-pcap; do
  install -m 0755 "$here/usr/bin/$d" "$dest/usr/bin/$d"
  install -m 0644 "$here/usr/share/secureot/$d.jar" "$dest/usr/share/secureot/$d.jar"
  install -m 0644 "$here/lib/systemd/system/$d.service" "$dest/lib/systemd/system/$d.service"
  if [ -e "$dest/etc/secureot/$d.yaml" ]; then
    install -m 0644 "$here/etc/secureot/$d.yaml" "$dest/etc/secureot/$d.yaml.dist"
    echo "kept $dest/etc/secureot/$d.yaml (new example: $d.yaml.dist)"
  else
    install -m 0644 "$here/etc/secureot/$d.yaml" "$dest/etc/secureot/$d.yaml"
  fi
done
for f in "$here"/usr/share/doc/secureot-sniffers/*; do
  [ -e "$f" ] && install -m 0644 "$f" "$dest/usr/share/doc/secureot-sniffers/"
done

if [ -n "$dest" ]; then
  echo "staged into $dest; on the target run this script again without DESTDIR as root"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install.sh: run as root to create the $user account and $data" >&2
  exit 1
fi

if ! getent group "$user" >/dev/null; then
  groupadd --system "$user"
fi
if ! getent passwd "$user" >/dev/null; then
  useradd --system --gid "$user" --home-dir "$data" --no-create-home \
    --shell /usr/sbin/nologin --comment "SecureOT capture daemons" "$user"
fi
for d in "$data" "$data/pcap_raw" "$data/remote_pcap_raw"; do
  [ -d "$d" ] || install -d -m 0750 -o "$user" -g "$user" "$d"
done
chgrp "$user" /etc/secureot/*.yaml && chmod 0640 /etc/secureot/*.yaml

if [ -d /run/systemd/system ]; then
  systemctl daemon-reload
fi
command -v java >/dev/null 2>&1 || [ -n "${JAVA_HOME:-}" ] || echo "warning: no java on PATH: install a Java 17+ runtime" >&2
ls /usr/lib/*/libpcap.so* /lib/*/libpcap.so* >/dev/null 2>&1 || echo "warning: libpcap not found: install libpcap0.8" >&2
echo "installed. Edit /etc/secureot/*.yaml, then e.g.:"
echo "  sniffer-span-pcap --check-config /etc/secureot/sniffer-span-pcap.yaml"
echo "  systemctl enable --now sniffer-span-pcap"
