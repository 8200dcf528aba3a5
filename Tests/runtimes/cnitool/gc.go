package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/containernetworking/cni/libcni"
)

// cachedAttachment holds the fields of libcni's result cache entry (cniCacheV1) that GC needs.
type cachedAttachment struct {
	Kind           string                 `json:"kind"`
	ContainerID    string                 `json:"containerId"`
	IfName         string                 `json:"ifName"`
	NetworkName    string                 `json:"networkName"`
	NetNS          string                 `json:"netns,omitempty"`
	CniArgs        [][2]string            `json:"cniArgs,omitempty"`
	CapabilityArgs map[string]interface{} `json:"capabilityArgs,omitempty"`
}

// cachedAttachments reads libcni's result cache (<CacheDir>/results/<net>-<id>-<ifname>) for
// the attachments of one network. Unreadable entries are skipped, as libcni 1.2 skips them.
func cachedAttachments(network string) ([]cachedAttachment, error) {
	entries, err := os.ReadDir(filepath.Join(libcni.CacheDir, "results"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var found []cachedAttachment
	for _, entry := range entries {
		data, err := os.ReadFile(filepath.Join(libcni.CacheDir, "results", entry.Name()))
		if err != nil {
			continue
		}
		var attachment cachedAttachment
		if json.Unmarshal(data, &attachment) != nil || attachment.Kind != libcni.CNICacheV1 {
			continue
		}
		if attachment.NetworkName == network && attachment.ContainerID != "" && attachment.IfName != "" {
			found = append(found, attachment)
		}
	}
	return found, nil
}

// garbageCollect is libcni 1.2's GCNetworkList without valid attachments, as upstream's cnitool
// calls it: every cached attachment of the network gets a DEL, then (from 1.1.0 on) each plugin
// gets GC without cni.dev/valid-attachments. A failed DEL is reported and GC is not sent.
func garbageCollect(ctx context.Context, cninet *libcni.CNIConfig, paths []string, list *libcni.NetworkConfigList) error {
	attachments, err := cachedAttachments(list.Name)
	if err != nil {
		return err
	}
	var failures []string
	for _, attachment := range attachments {
		rt := &libcni.RuntimeConf{
			ContainerID:    attachment.ContainerID,
			NetNS:          attachment.NetNS,
			IfName:         attachment.IfName,
			Args:           attachment.CniArgs,
			CapabilityArgs: attachment.CapabilityArgs,
		}
		if err := cninet.DelNetworkList(ctx, list, rt); err != nil {
			failures = append(failures, fmt.Sprintf("DEL of %s/%s: %v", attachment.ContainerID, attachment.IfName, err))
		}
	}
	if len(failures) > 0 {
		return errors.New(strings.Join(failures, "; "))
	}
	if !atLeast110(list) {
		return nil
	}
	return eachPlugin(ctx, paths, list, "GC")
}
