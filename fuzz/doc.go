// Package fuzz holds bedrock's go test -fuzz targets. It has no code of its
// own: each target lives in a _test.go file and checks one package against
// a simple reference model on inputs the fuzzer derives. Run one with, for
// example,
//
//	go test -run '^$' -fuzz FuzzCursor -fuzztime 30s ./fuzz/
//
// The seed corpus is in testdata/fuzz/<target>; plain go test runs it.
package fuzz
