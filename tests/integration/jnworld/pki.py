"""Certificates and keys of one test cluster, made with python cryptography (a moto dependency).

Everything uses ECDSA P-256: generating it is instant, and kube-apiserver accepts it for serving,
client certificates and service-account token signing (ES256).
"""
import datetime
import ipaddress
import os

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

_VALID = datetime.timedelta(days=2)


def _key():
    return ec.generate_private_key(ec.SECP256R1())


def _write_key(path, key):
    with open(path, "wb") as fh:
        fh.write(key.private_bytes(serialization.Encoding.PEM,
                                   serialization.PrivateFormat.PKCS8,
                                   serialization.NoEncryption()))
    os.chmod(path, 0o600)


def _write_cert(path, cert):
    with open(path, "wb") as fh:
        fh.write(cert.public_bytes(serialization.Encoding.PEM))


def _name(cn, orgs=()):
    attrs = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, o) for o in orgs]
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(attrs)


class Pki:
    """A CA in `directory` and the files signed by it. Paths are attributes or return values."""

    def __init__(self, directory):
        self.dir = directory
        os.makedirs(directory, exist_ok=True)
        now = datetime.datetime.now(datetime.timezone.utc)
        self._not_before = now - datetime.timedelta(minutes=5)
        self._ca_key = _key()
        name = _name("jitnode-test-ca")
        self._ca_cert = (
            x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(self._ca_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(self._not_before).not_valid_after(now + _VALID)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False,
                                         encipher_only=False, decipher_only=False), critical=True)
            .sign(self._ca_key, hashes.SHA256()))
        self.ca_cert = os.path.join(directory, "ca.crt")
        self.ca_key = os.path.join(directory, "ca.key")
        _write_cert(self.ca_cert, self._ca_cert)
        _write_key(self.ca_key, self._ca_key)

    def _issue(self, base, cn, orgs=(), server_hosts=None):
        key = _key()
        builder = (
            x509.CertificateBuilder().subject_name(_name(cn, orgs))
            .issuer_name(self._ca_cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(self._not_before)
            .not_valid_after(self._not_before + _VALID)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True))
        if server_hosts is not None:
            sans = []
            for h in server_hosts:
                try:
                    sans.append(x509.IPAddress(ipaddress.ip_address(h)))
                except ValueError:
                    sans.append(x509.DNSName(h))
            builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
            usage = [ExtendedKeyUsageOID.SERVER_AUTH]
        else:
            usage = [ExtendedKeyUsageOID.CLIENT_AUTH]
        builder = builder.add_extension(x509.ExtendedKeyUsage(usage), critical=False)
        cert = builder.sign(self._ca_key, hashes.SHA256())
        crt, k = os.path.join(self.dir, base + ".crt"), os.path.join(self.dir, base + ".key")
        _write_cert(crt, cert)
        _write_key(k, key)
        return crt, k

    def server_cert(self, base, hosts):
        """A serving certificate for `hosts` (IPs and DNS names). Returns (cert path, key path)."""
        return self._issue(base, hosts[0], server_hosts=hosts)

    def client_cert(self, base, user, groups=()):
        """A client certificate: CN is the Kubernetes user, O entries its groups."""
        return self._issue(base, user, orgs=groups)

    def service_account_keys(self, base="sa"):
        """A signing key pair for service-account tokens. Returns (private key path, public path)."""
        key = _key()
        priv, pub = os.path.join(self.dir, base + ".key"), os.path.join(self.dir, base + ".pub")
        _write_key(priv, key)
        with open(pub, "wb") as fh:
            fh.write(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo))
        return priv, pub


def write_kubeconfig(path, server, ca_cert, client_cert, client_key, user):
    """A kubeconfig with one cluster, user and context (file paths, not inline data)."""
    config = {
        "apiVersion": "v1", "kind": "Config",
        "clusters": [{"name": "jitnode-test", "cluster": {
            "server": server, "certificate-authority": ca_cert}}],
        "users": [{"name": user, "user": {
            "client-certificate": client_cert, "client-key": client_key}}],
        "contexts": [{"name": user, "context": {"cluster": "jitnode-test", "user": user}}],
        "current-context": user,
    }
    with open(path, "w", encoding="utf-8") as fh:
        yaml.safe_dump(config, fh, sort_keys=False)
    os.chmod(path, 0o600)
    return path
