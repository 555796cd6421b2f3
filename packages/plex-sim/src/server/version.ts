/** The Plex Media Server version the simulator reports. */
export const SIM_SERVER_VERSION = '1.32.8.7639-fb6452ebf';
