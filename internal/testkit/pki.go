package testkit

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// PKI is what TLS tests need of a public-key infrastructure, all made in
// memory: a CA, a server certificate it signed, and a self-signed
// certificate nobody trusts.
type PKI struct {
	Roots     *x509.CertPool  // holds the CA
	Server    tls.Certificate // for localhost and 127.0.0.1, signed by the CA
	Untrusted tls.Certificate // for localhost and 127.0.0.1, self-signed
	SelfRoots *x509.CertPool  // holds the self-signed certificate, to trust it on purpose
}

// NewPKI makes a PKI: fresh keys, certificates valid for an hour around
// now.
func NewPKI(t testing.TB) *PKI {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	caTemplate := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "bedrock test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTemplate, caTemplate, &caKey.PublicKey, caKey)
	require.NoError(t, err)
	ca, err := x509.ParseCertificate(caDER)
	require.NoError(t, err)

	var p PKI
	p.Roots = x509.NewCertPool()
	p.Roots.AddCert(ca)
	p.Server = leaf(t, 2, ca, caKey)
	p.Untrusted = leaf(t, 3, nil, nil)
	self, err := x509.ParseCertificate(p.Untrusted.Certificate[0])
	require.NoError(t, err)
	p.SelfRoots = x509.NewCertPool()
	p.SelfRoots.AddCert(self)
	return &p
}

// leaf makes a server certificate for localhost and 127.0.0.1 signed by
// parent, or self-signed if parent is nil.
func leaf(t testing.TB, serial int64, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	template := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: "localhost"},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if parent == nil {
		parent, parentKey = template, key
		template.BasicConstraintsValid = true
		template.IsCA = true
		template.KeyUsage |= x509.KeyUsageCertSign
	}
	der, err := x509.CreateCertificate(rand.Reader, template, parent, &key.PublicKey, parentKey)
	require.NoError(t, err)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// ClientConfig trusts the CA and asks for ALPN protocols.
func (p *PKI) ClientConfig(protos ...string) *tls.Config {
	return &tls.Config{RootCAs: p.Roots, NextProtos: protos}
}

// ServerConfig presents the CA-signed certificate and offers protos.
func (p *PKI) ServerConfig(protos ...string) *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{p.Server}, NextProtos: protos}
}
