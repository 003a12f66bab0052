#!/bin/sh
# Removes what install.sh installed, except /etc/secureot, the captured data in
# /var/lib/secureot-agent and the secureot account (captures are evidence).
set -eu
for d in sniffer-span-pcap sniffer-span-forwarder sniffer-remote-pcap; do
  if [ -d /run/systemd/system ]; then
    systemctl disable --now "$d.service" >/dev/null 2>&1 || true
  fi
  rm -f "/usr/bin/$d" "/usr/share/secureot/$d.jar" "/lib/systemd/system/$d.service"
done
rmdir /usr/share/secureot 2>/dev/null || true
rm -rf /usr/share/doc/secureot-sniffers
[ -d /run/systemd/system ] && systemctl daemon-reload
echo "removed; kept /etc/secureot, /var/lib/secureot-agent and the secureot account"
