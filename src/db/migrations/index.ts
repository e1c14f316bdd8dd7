import { ApplicationsAndClients1764165600000 } from './1764165600000-applications-and-clients';

/** Every migration, oldest first. Never edit one that has landed; add a new one. */
export const migrations = [ApplicationsAndClients1764165600000];
