// Command cnitool runs a network configuration list through libcni, with the command line and
// environment of upstream's cnitool (github.com/containernetworking/cni/cnitool):
//
//	cnitool add|check|del <net> <netns>
//	cnitool gc|status <net>
//
// NETCONFPATH (default /etc/cni/net.d) is searched for the list named <net>, CNI_PATH for the
// plugins; CNI_IFNAME (default eth0), CNI_ARGS ("K=V;K2=V2") and CAP_ARGS (a JSON object of
// capability arguments) describe the attachment, whose container ID is derived from the netns
// path as upstream does. add prints the result.
//
// It is built against Debian's libcni 1.1.2 (golang-github-appc-cni-dev) in GOPATH mode. That
// libcni has no GC or STATUS, so gc and status follow libcni 1.2's GCNetworkList and
// GetStatusNetworkList on top of its cache and invoke packages: gc sends DEL for every cached
// attachment of the network (upstream's cnitool passes no valid attachments), then GC to each
// plugin when the list's cniVersion is 1.1.0 or later; status sends STATUS to each plugin from
// 1.1.0 on. Both inject the list's name and cniVersion into each plugin's configuration.
package main

import (
	"context"
	"crypto/sha512"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/containernetworking/cni/libcni"
	"github.com/containernetworking/cni/pkg/invoke"
	"github.com/containernetworking/cni/pkg/types"
	"github.com/containernetworking/cni/pkg/version"
)

func main() {
	if len(os.Args) < 3 {
		usage()
	}
	command, name := os.Args[1], os.Args[2]
	netdir := os.Getenv("NETCONFPATH")
	if netdir == "" {
		netdir = "/etc/cni/net.d"
	}
	list, err := libcni.LoadConfList(netdir, name)
	exitIf(err)
	paths := filepath.SplitList(os.Getenv("CNI_PATH"))
	cninet := libcni.NewCNIConfig(paths, nil)
	ctx := context.TODO()

	switch command {
	case "gc":
		exitIf(garbageCollect(ctx, cninet, paths, list))
	case "status":
		exitIf(status(ctx, paths, list))
	case "add", "check", "del":
		if len(os.Args) < 4 {
			usage()
		}
		rt, err := runtimeConf(os.Args[3])
		exitIf(err)
		exitIf(runAttachment(ctx, cninet, command, list, rt))
	default:
		usage()
	}
}

// runAttachment runs add (printing the result), check or del for one attachment.
func runAttachment(ctx context.Context, cninet *libcni.CNIConfig, command string, list *libcni.NetworkConfigList, rt *libcni.RuntimeConf) error {
	switch command {
	case "add":
		result, err := cninet.AddNetworkList(ctx, list, rt)
		if err != nil || result == nil {
			return err
		}
		return result.Print()
	case "check":
		return cninet.CheckNetworkList(ctx, list, rt)
	default:
		return cninet.DelNetworkList(ctx, list, rt)
	}
}

// runtimeConf describes the attachment as upstream's cnitool does: the container ID is
// "cnitool-" and the first 10 bytes of the SHA-512 of the absolute netns path, in hex.
func runtimeConf(netnsArgument string) (*libcni.RuntimeConf, error) {
	netns, err := filepath.Abs(netnsArgument)
	if err != nil {
		return nil, err
	}
	cniArgs, err := parseCNIArgs(os.Getenv("CNI_ARGS"))
	if err != nil {
		return nil, err
	}
	var capabilityArgs map[string]interface{}
	if text := os.Getenv("CAP_ARGS"); text != "" {
		if err := json.Unmarshal([]byte(text), &capabilityArgs); err != nil {
			return nil, fmt.Errorf("CAP_ARGS is not a JSON object: %w", err)
		}
	}
	ifName, ok := os.LookupEnv("CNI_IFNAME")
	if !ok {
		ifName = "eth0"
	}
	sum := sha512.Sum512([]byte(netns))
	return &libcni.RuntimeConf{
		ContainerID:    fmt.Sprintf("cnitool-%x", sum[:10]),
		NetNS:          netns,
		IfName:         ifName,
		Args:           cniArgs,
		CapabilityArgs: capabilityArgs,
	}, nil
}

func parseCNIArgs(text string) ([][2]string, error) {
	var pairs [][2]string
	if text == "" {
		return pairs, nil
	}
	for _, item := range strings.Split(text, ";") {
		kv := strings.Split(item, "=")
		if len(kv) != 2 {
			return nil, fmt.Errorf("invalid CNI_ARGS pair %q", item)
		}
		pairs = append(pairs, [2]string{kv[0], kv[1]})
	}
	return pairs, nil
}

func usage() {
	exe := filepath.Base(os.Args[0])
	fmt.Fprintf(os.Stderr, "%s: run a CNI network configuration list through libcni\n", exe)
	fmt.Fprintf(os.Stderr, "  %s add|check|del <net> <netns>\n  %s gc|status <net>\n", exe, exe)
	os.Exit(1)
}

// exitIf prints the error as upstream's cnitool does, plus the CNI error code when the plugin
// returned one, and exits 1.
func exitIf(err error) {
	if err == nil {
		return
	}
	var cniError *types.Error
	if errors.As(err, &cniError) {
		fmt.Fprintf(os.Stderr, "%v (CNI error code %d)\n", err, cniError.Code)
	} else {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(1)
}

// atLeast110 says whether the list speaks a spec with GC and STATUS.
func atLeast110(list *libcni.NetworkConfigList) bool {
	ok, err := version.GreaterThanOrEqualTo(list.CNIVersion, "1.1.0")
	return err == nil && ok
}

// eachPlugin runs verb on every plugin of the list with the list's name and cniVersion injected.
func eachPlugin(ctx context.Context, paths []string, list *libcni.NetworkConfigList, verb string) error {
	inject := map[string]interface{}{"name": list.Name, "cniVersion": list.CNIVersion}
	for _, plugin := range list.Plugins {
		config, err := libcni.InjectConf(plugin, inject)
		if err != nil {
			return err
		}
		pluginPath, err := invoke.FindInPath(plugin.Network.Type, paths)
		if err != nil {
			return err
		}
		args := &invoke.Args{Command: verb, Path: strings.Join(paths, string(os.PathListSeparator))}
		if err := invoke.ExecPluginWithoutResult(ctx, pluginPath, config.Bytes, args, nil); err != nil {
			return fmt.Errorf("plugin %s failed %s: %w", plugin.Network.Type, verb, err)
		}
	}
	return nil
}

func status(ctx context.Context, paths []string, list *libcni.NetworkConfigList) error {
	if !atLeast110(list) {
		return nil
	}
	return eachPlugin(ctx, paths, list, "STATUS")
}
