/** The collector's configuration: ports, bind address, allow-list, legacy frames, limits. */
package com.secureot.remote.config;
