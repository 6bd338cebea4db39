export * from './event-decoder';
export * from './favourite-event.schema';
export * from './favourites';
export * from './ingest-event';
export * from './rating-event.schema';
export * from './topics';
export * from './user-profile.schema';
