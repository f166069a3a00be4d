#!/usr/bin/env python3
"""Turns the catalog data file into C tables (struct catalog_data) compiled into jitnode.

Usage: gen_builtin.py DATA.json INTERNAL_HEADER OUT.c

The tables are the raw facts only; every interpretation (architecture, overheads, prices,
labels) is done by the C builder, which also serves jn_catalog_load_file(), so the built-in
catalog and a loaded copy of the same file are identical. The data is checked here with the
same rules as src/catalog/load.c: a bad data file fails the build, naming the member.
"""
import json
import sys


class DataError(Exception):
    pass


def need(obj, key, kinds, where, required=True, default=None):
    value = obj.get(key)
    if value is None:
        if required:
            raise DataError("%s.%s: is required" % (where, key))
        return default
    if not isinstance(kinds, tuple):
        kinds = (kinds,)
    if isinstance(value, bool) and bool not in kinds:
        raise DataError("%s.%s: unexpected boolean" % (where, key))
    if not isinstance(value, kinds):
        raise DataError("%s.%s: unexpected %s" % (where, key, type(value).__name__))
    return value


def c_str(s):
    out = ['"']
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif 32 <= ord(ch) < 127:
            out.append(ch)
        else:
            raise DataError("non-ASCII text %r" % s)
    out.append('"')
    return "".join(out)


def c_bool(v):
    return "true" if v else "false"


class Emitter:
    """Collects named static arrays, sharing identical ones (zone lists repeat a lot)."""

    def __init__(self):
        self.lines = []
        self.seen = {}

    def array(self, ctype, prefix, items):
        body = ", ".join(items)
        key = (ctype, body)
        if key not in self.seen:
            name = "%s%d" % (prefix, len(self.seen))
            self.seen[key] = name
            self.lines.append("static const %s %s[] = { %s };" % (ctype, name, body))
        return self.seen[key]


def spec_c(em, name, t):
    where = "instance_types." + name
    archs = need(t, "arch", list, where)
    if not archs or not all(isinstance(a, str) for a in archs):
        raise DataError("%s.arch: expected a non-empty list of strings" % where)
    usage = need(t, "usage_classes", list, where)
    vcpu = need(t, "vcpu", int, where)
    mem = need(t, "memory_mib", int, where)
    if vcpu <= 0 or mem <= 0:
        raise DataError("%s: vcpu and memory_mib must be positive" % where)
    for key, least in (("max_enis_default_card", 0), ("ipv4_per_eni", 1), ("efa_max", 0),
                       ("local_nvme_gb", 0), ("ebs_max_bandwidth_mbps", 0),
                       ("karpenter_network_bandwidth_mbps", 0)):
        v = t.get(key)
        if isinstance(v, int) and not isinstance(v, bool) and not least <= v <= 2**31 - 1:
            raise DataError("%s.%s: %d is outside [%d, %d]" % (where, key, v, least, 2**31 - 1))
    f = {
        "name": c_str(name),
        "archs": em.array("char *const", "arch", [c_str(a) for a in archs]),
        "n_archs": str(len(archs)),
        "vcpu": str(vcpu),
        "memory_mib": str(mem),
        "cpu_manufacturer": c_str(need(t, "cpu_manufacturer", str, where, False, "")),
        "cpu_clock_ghz": repr(float(need(t, "cpu_clock_ghz", (int, float), where, False, 0))),
        "hypervisor": c_str(need(t, "hypervisor", str, where, False, "")),
        "bare_metal": c_bool(need(t, "bare_metal", bool, where, False, False)),
        "burstable": c_bool(need(t, "burstable", bool, where, False, False)),
        "current_generation": c_bool(need(t, "current_generation", bool, where, False, True)),
        "encryption_in_transit": c_bool(need(t, "encryption_in_transit", bool, where, False,
                                             False)),
        "on_demand": c_bool("on-demand" in usage),
        "spot": c_bool("spot" in usage),
        "max_enis_default_card": str(need(t, "max_enis_default_card", int, where)),
        "ipv4_per_eni": str(need(t, "ipv4_per_eni", int, where)),
        "efa_max": str(need(t, "efa_max", int, where, False, 0)),
        "local_nvme_gb": str(need(t, "local_nvme_gb", int, where, False, 0)),
        "ebs_bandwidth_mbps": str(need(t, "ebs_max_bandwidth_mbps", int, where, False, 0)),
        "network_bandwidth_mbps": str(need(t, "karpenter_network_bandwidth_mbps", int, where,
                                           False, 0)),
    }
    vpc = need(t, "karpenter_vpc", dict, where, False)
    if vpc:
        f["trunking"] = c_bool(need(vpc, "trunking", bool, where + ".karpenter_vpc", False,
                                    False))
        f["branch_enis"] = str(need(vpc, "branch_enis", int, where + ".karpenter_vpc", False, 0))
    gpu = need(t, "gpu", dict, where, False)
    if gpu:
        w = where + ".gpu"
        f["gpu_count"] = str(need(gpu, "count", int, w))
        f["gpu_manufacturer"] = c_str(need(gpu, "manufacturer", str, w, False, ""))
        f["gpu_name"] = c_str(need(gpu, "name", str, w, False, ""))
        f["gpu_memory_mib"] = str(need(gpu, "memory_mib_each", int, w, False, 0))
    else:
        f["gpu_manufacturer"] = f["gpu_name"] = '""'
    neuron = need(t, "neuron", dict, where, False)
    if neuron:
        w = where + ".neuron"
        f["neuron_count"] = str(need(neuron, "count", int, w))
        f["neuron_name"] = c_str(need(neuron, "name", str, w, False, ""))
        f["neuron_cores_each"] = str(need(neuron, "cores_each", int, w, False, 0))
        f["neuron_memory_mib"] = str(need(neuron, "memory_mib_each", int, w, False, 0))
    else:
        f["neuron_name"] = '""'
    regions = need(t, "regions", dict, where)
    rz = []
    for region in sorted(regions):
        w = "%s.regions.%s" % (where, region)
        r = regions[region]
        if not isinstance(r, dict):
            raise DataError(w + ": expected an object")
        zones = need(r, "zones", list, w)
        for i, z in enumerate(zones):
            if not isinstance(z, str) or not z.startswith(region):
                raise DataError("%s.zones[%d]: zone %r is not in region %r" % (w, i, z, region))
        zl = em.array("char *const", "zones", [c_str(z) for z in zones])
        rz.append("{ %s, %s, %d }" % (c_str(region), zl, len(zones)))
    if rz:
        f["regions"] = em.array("struct catalog_region_zones", "regions", rz)
        f["n_regions"] = str(len(rz))
    prices = need(t, "price_od_linux_usd_hr", dict, where, False, {})
    pz = []
    for region in sorted(prices):
        p = prices[region]
        if isinstance(p, bool) or not isinstance(p, (int, float)) or p <= 0:
            raise DataError("%s.price_od_linux_usd_hr.%s: expected a positive number"
                            % (where, region))
        pz.append("{ %s, %s }" % (c_str(region), repr(float(p))))
    if pz:
        f["prices"] = em.array("struct catalog_region_price", "prices", pz)
        f["n_prices"] = str(len(pz))
    return "\t{ " + ", ".join(".%s = %s" % kv for kv in f.items()) + " },"


def main():
    data_path, header, out_path = sys.argv[1:4]
    with open(data_path, encoding="utf-8") as fh:
        doc = json.load(fh)
    types = need(doc, "instance_types", dict, "(root)")
    em = Emitter()
    specs = [spec_c(em, name, types[name]) for name in sorted(types, key=lambda s: s.encode())]
    zone_ids = []
    meta = doc.get("meta") or {}
    mapping = meta.get("zone_name_to_id_moto") or {}
    for region in sorted(mapping):
        for zone in sorted(mapping[region]):
            zone_ids.append("\t{ %s, %s, %s }," % (c_str(region), c_str(zone),
                                                   c_str(mapping[region][zone])))
    out = [
        "/* Generated by src/catalog/gen_builtin.py from %s; do not edit. */"
        % data_path.rsplit("/", 1)[-1],
        '#include "%s"' % header,
        "",
    ]
    out += em.lines
    out += ["", "static const struct catalog_spec specs[] = {"] + specs + ["};", ""]
    n_zone_ids = len(zone_ids)
    if not zone_ids:
        zone_ids = ["\t{ 0 },"]  # C11 has no empty initializer lists
    out += ["static const struct catalog_zone_id zone_ids[] = {"] + zone_ids + ["};", ""]
    out += [
        "const struct catalog_data catalog_builtin_data = {",
        "\t.specs = specs, .n_specs = %d," % len(specs),
        "\t.zone_ids = zone_ids, .n_zone_ids = %d," % n_zone_ids,
        "};",
        "",
    ]
    with open(out_path, "w", encoding="utf-8") as fh:
        fh.write("\n".join(out))


if __name__ == "__main__":
    try:
        main()
    except (DataError, OSError, ValueError) as e:
        sys.stderr.write("gen_builtin.py: %s\n" % e)
        sys.exit(1)
