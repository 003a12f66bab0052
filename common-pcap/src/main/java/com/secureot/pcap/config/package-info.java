/** The YAML configuration: records validated once at load, every error naming its YAML path. */
package com.secureot.pcap.config;
